#!/usr/bin/env bash
# Builds the inputs some rules need that no other area's fixtures make, into OUTDIR (testdata/generated/rules);
# the rule catalogue's test runs one case per rule. A runtime and an agent whose protocols can each be read but not
# compared (PROTOCOL_UNCOMPARABLE, issue 11's per-pair limit):
#   runtime.binpb, agent.binpb   protoc descriptor sets: grpc.AgentService/CreateContainer takes and returns M0,
#                                where M0 -> M1 -> ... -> M0 is a cycle of 150 messages on the runtime and of 151
#                                on the agent. Each side alone nests 150 levels (under the 200-level limit), but the
#                                walk pairs (runtime Mi, agent Mj) and meets a pair again only after lcm(150, 151) steps.
#   runtime                      a C program holding runtime.binpb in .rodata (where protoc --cpp_out keeps descriptors)
#   agent-initrd.img             a gzip'd newc cpio whose /usr/bin/kata-agent is the same C program holding agent.binpb
# An image without an agent (AGENT_NOT_FOUND):
#   no-agent-initrd.img          a gzip'd newc cpio holding only /etc/hostname
# A descriptor set that leaves an imported file out (TYPES_UNRESOLVED):
#   2.2.0-without-types.binpb    protoc without --include_imports on the 2.2.0 history's agent, oci and health
#                                files: types.proto, which agent.proto imports, is not in the set
# Debian packages: protobuf-compiler (protoc), gcc, binutils (ld, objcopy), cpio, gzip.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
out="${1:?usage: make.sh OUTDIR}"
mkdir -p "$out"
out="$(cd "$out" && pwd)"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
export SOURCE_DATE_EPOCH=1700000000

# cycle NAME LENGTH: NAME.proto with a cycle of LENGTH messages reached from CreateContainer, compiled to OUTDIR/NAME.binpb
cycle() {
  local name="$1" length="$2" i
  mkdir -p "$work/proto-$name"
  {
    printf 'syntax = "proto3";\npackage grpc;\nservice AgentService {\n  rpc CreateContainer(M0) returns (M0);\n}\n'
    for i in $(seq 0 $((length - 1))); do
      printf 'message M%d {\n  M%d next = 1;\n}\n' "$i" "$(((i + 1) % length))"
    done
  } > "$work/proto-$name/$name.proto"
  protoc -I "$work/proto-$name" --descriptor_set_out="$out/$name.binpb" "$work/proto-$name/$name.proto"
}

# program NAME: a C program holding OUTDIR/NAME.binpb in .rodata (linked in by ld -r -b binary), built into $work/NAME
program() {
  local name="$1"
  (cd "$out" && ld -r -b binary -o "$work/$name-set.o" "$name.binpb")
  objcopy --rename-section .data=.rodata,alloc,load,readonly,data,contents "$work/$name-set.o"
  cat > "$work/$name.c" <<C
#include <stdio.h>
extern const unsigned char _binary_${name}_binpb_start[], _binary_${name}_binpb_end[];
/* Never run by the tests: they read its bytes. */
int main(void)
{
    printf("descriptor set: %ld bytes\n", (long)(_binary_${name}_binpb_end - _binary_${name}_binpb_start));
    return 0;
}
C
  gcc -O2 -Wl,--build-id=none -Wl,-z,noexecstack -o "$work/$name" "$work/$name.c" "$work/$name-set.o"
}

cycle runtime 150
cycle agent 151
program runtime
program agent
cp "$work/runtime" "$out/runtime"

# initrd ROOT IMAGE: ROOT as a gzip'd newc cpio, reproducibly
initrd() {
  find "$1" -exec touch -h -d "@$SOURCE_DATE_EPOCH" {} +
  (cd "$1" && find . | LC_ALL=C sort | cpio --quiet -o -H newc --reproducible) | gzip -n -9 > "$2"
}

mkdir -p "$work/with-agent/usr/bin"
cp "$work/agent" "$work/with-agent/usr/bin/kata-agent"
initrd "$work/with-agent" "$out/agent-initrd.img"

mkdir -p "$work/no-agent/etc"
echo guest > "$work/no-agent/etc/hostname"
initrd "$work/no-agent" "$out/no-agent-initrd.img"

history="$here/../protocols/history/2.2.0"
protoc -I "$history" --descriptor_set_out="$out/2.2.0-without-types.binpb" \
  "$history/agent.proto" "$history/oci.proto" "$history/health.proto"
