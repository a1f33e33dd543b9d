#!/usr/bin/env bash
# Shared by testdata/layouts/make.sh and testdata/initrd/make.sh (sourced, not run): builds small guest root
# filesystems shaped like osbuilder's, in the variants the agent locator must handle.
# Debian packages: coreutils, gzip (already everywhere).

# make_agent FILE: binary-like, deterministic content (an ELF-looking header, a version string, ~1.2 MiB of
# gzip output). Larger than 1 MiB on purpose so readers exercise their multi-extent / large-entry paths.
make_agent() {
  local out="$1"
  {
    printf '\177ELF\002\001\001\000\000\000\000\000\000\000\000\000'
    printf 'kata-agent version 3.2.0 (api version: 0.0.1, commit version: fixture, type: rust)\000'
    seq 1 700000 | gzip -n -1
  } > "$out"
  chmod 0755 "$out"
}

# make_systemd FILE: stands in for systemd; the locator must notice it is not the agent.
make_systemd() {
  { printf '\177ELF\002\001\001\000'; printf 'systemd 252 running in system mode\000'; seq 1 2000; } > "$1"
  chmod 0755 "$1"
}

write_osbuilder_yaml() {
  local out="$1" agent_is_init="$2"
  mkdir -p "$(dirname "$out")"
  cat > "$out" <<YAML
---
osbuilder:
  url: "https://github.com/kata-containers/kata-containers/tools/osbuilder"
  version: "3.2.0-fixture"
rootfs-creation-time: "2026-01-02T03:04:05.000000000+0000Z"
description: "osbuilder rootfs"
file-format-version: "0.0.2"
architecture: "x86_64"
base-distro:
  name: "ubuntu"
  version: "focal"
  packages:
    default:
      - "chrony"
      - "iptables"
    extra:

agent:
  url: "https://github.com/kata-containers/kata-containers"
  name: "kata-agent"
  version: "3.2.0"
  agent-is-init-daemon: "${agent_is_init}"
YAML
}

write_unit() {
  local out="$1" exec_start="$2"
  mkdir -p "$(dirname "$out")"
  cat > "$out" <<UNIT
[Unit]
Description=Kata Containers Agent
Documentation=https://github.com/kata-containers/kata-containers
Wants=kata-containers.target

[Service]
# Send agent output to tty to allow capture debug logs
# from a VM vsock port
StandardOutput=tty
Type=simple
ExecStart=${exec_start}
LimitNOFILE=1048576
ExecStop=/bin/sync ; /usr/bin/kill -s SIGKILL \$MAINPID
KillMode=process
UNIT
}

# make_rootfs DIR VARIANT
#   systemd     /sbin/init -> ../lib/systemd/systemd (fake), agent at /usr/bin/kata-agent run by kata-agent.service
#   agent-init  AGENT_INIT=yes: /sbin/init IS the agent (a copy), also at /usr/bin/kata-agent, no unit
#   renamed     AGENT_BIN=kata-agent-custom: the unit's ExecStart names /usr/bin/kata-agent-custom (with a - prefix)
#   abs-symlink /usr/bin/kata-agent -> /opt/kata/bin/kata-agent (absolute target, must resolve inside the image)
#   no-agent    systemd as init, no agent binary and no unit
#   loop        /usr/bin/kata-agent -> /usr/bin/kata-agent-loop -> /usr/bin/kata-agent
make_rootfs() {
  local dir="$1" variant="$2"
  rm -rf "$dir"
  mkdir -p "$dir"/{bin,sbin,etc,usr/bin,usr/lib/systemd/system,lib,proc,sys,dev,tmp,run,var/lib/osbuilder}
  ln -s ../usr/lib/systemd "$dir/lib/systemd"
  make_systemd "$dir/usr/lib/systemd/systemd"
  printf 'kata-guest\n' > "$dir/etc/hostname"
  local is_init="no"
  case "$variant" in
    systemd)
      make_agent "$dir/usr/bin/kata-agent"
      ln -s ../lib/systemd/systemd "$dir/sbin/init"
      write_unit "$dir/usr/lib/systemd/system/kata-agent.service" "/usr/bin/kata-agent"
      ;;
    agent-init)
      make_agent "$dir/usr/bin/kata-agent"
      cp "$dir/usr/bin/kata-agent" "$dir/sbin/init"
      is_init="yes"
      ;;
    renamed)
      make_agent "$dir/usr/bin/kata-agent-custom"
      ln -s ../lib/systemd/systemd "$dir/sbin/init"
      write_unit "$dir/etc/systemd/system/kata-agent.service" "-/usr/bin/kata-agent-custom --config /etc/agent.toml"
      ;;
    abs-symlink)
      mkdir -p "$dir/opt/kata/bin"
      make_agent "$dir/opt/kata/bin/kata-agent"
      ln -s /opt/kata/bin/kata-agent "$dir/usr/bin/kata-agent"
      ln -s ../lib/systemd/systemd "$dir/sbin/init"
      write_unit "$dir/usr/lib/systemd/system/kata-agent.service" "/usr/bin/kata-agent"
      ;;
    no-agent)
      ln -s ../lib/systemd/systemd "$dir/sbin/init"
      ;;
    loop)
      ln -s /usr/bin/kata-agent-loop "$dir/usr/bin/kata-agent"
      ln -s /usr/bin/kata-agent "$dir/usr/bin/kata-agent-loop"
      ln -s ../lib/systemd/systemd "$dir/sbin/init"
      write_unit "$dir/usr/lib/systemd/system/kata-agent.service" "/usr/bin/kata-agent"
      ;;
    *) echo "unknown rootfs variant $variant" >&2; return 1 ;;
  esac
  write_osbuilder_yaml "$dir/var/lib/osbuilder/osbuilder.yaml" "$is_init"
  # Fixed timestamps so archives and images come out the same on every run.
  find "$dir" -exec touch -h -d '2026-01-02 03:04:05 UTC' {} +
}
