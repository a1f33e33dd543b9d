# kata-preflight's dnf plugin (dnf 4; see kata-preflight(1), "hook dnf"): after dnf downloaded the packages of a
# transaction and before rpm installs any, check the Kata runtime and guest image the transaction brings against
# what stays installed. Kata's own %posttrans snippet runs only once the new files are in place; this runs before.
#
# kata-preflight itself decides which packages are Kata's and what a verdict means (the policy's [hooks] enforce,
# KATA_PREFLIGHT_ENFORCE=0/1 for one run); this plugin only maps its exit status, as the APT hook script does:
# 1 stops the transaction, anything else that prevents the check is a warning, so the plugin can never wedge
# package management. Silent when kata-preflight is not installed (this file and its .conf may outlive it).
import os
import subprocess
import sys

import dnf
import dnf.exceptions

KATA_PREFLIGHT = "/usr/bin/kata-preflight"


class KataPreflight(dnf.Plugin):
    name = "kata_preflight"

    def pre_transaction(self):
        # dnf downloads after `resolved` and before this hook: only here is every incoming package a local .rpm.
        try:
            rc = self._check()
        except Exception as e:  # noqa: BLE001 - a bug here must not stop the transaction
            warn("the dnf plugin could not check this transaction (%s: %s); continuing" % (type(e).__name__, e))
            return
        if rc == 1:
            raise dnf.exceptions.Error(
                "kata-preflight stopped this transaction before rpm installed anything (see the report above)")
        if rc != 0:
            warn("the dnf plugin could not check this transaction (kata-preflight exit %d); continuing" % rc)

    def _check(self):
        """Runs `kata-preflight hook dnf` on the incoming packages; its exit status (0 when there is nothing to do)."""
        if not os.access(KATA_PREFLIGHT, os.X_OK):
            return 0
        incoming = [pkg for pkg in self.base.transaction.install_set if pkg.localPkg()]
        if not incoming:
            return 0
        # One "NAME PATH" line per package rpm installs: kata-preflight picks Kata's by name, with the APT hook's rule.
        listing = "".join("%s %s\n" % (pkg.name, os.path.abspath(pkg.localPkg())) for pkg in incoming)
        command = [KATA_PREFLIGHT, "hook", "dnf"]
        installroot = self.base.conf.installroot
        if installroot and os.path.realpath(installroot) != "/":
            command += ["--root", installroot]  # the system this transaction changes, with its Kata and policy
        # The report and every message go to stderr, straight to the admin's terminal.
        return subprocess.run(command, input=listing.encode("utf-8"), check=False).returncode


def warn(message):
    sys.stderr.write("kata-preflight: warning: %s\n" % message)
    sys.stderr.flush()
