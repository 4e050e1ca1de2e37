"""Stand-in for get-pip.py (its download host is out of reach): ensurepip, then pip install."""

import ensurepip
import os
import subprocess
import sys

args = [arg for arg in sys.argv[1:] if arg not in ("--no-setuptools", "--no-wheel")]
ensurepip.bootstrap()
# ensurepip leaves PIP_CONFIG_FILE=/dev/null behind, which hides /etc/pip.conf (the CA bundle).
for name in ("PIP_CONFIG_FILE", "ENSUREPIP_OPTIONS"):
    os.environ.pop(name, None)
sys.exit(subprocess.call([sys.executable, "-m", "pip", "install", *args]))
