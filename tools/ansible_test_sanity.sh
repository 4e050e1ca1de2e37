#!/usr/bin/env bash
# ansible-test sanity on the collection, with no ignore file.
#
# ansible-test sets up pip in its venvs with get-pip.py from a host this machine cannot
# reach; its cache is seeded with a stand-in that bootstraps pip with ensurepip and then
# installs from PyPI as usual. The file name follows ansible-core 2.19's pip version.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache="$HOME/.ansible/test/cache"
mkdir -p "$cache"
cp "$root/tools/get_pip_standin.py" "$cache/get_pip_24_2.py"
cd "$root/collections/ansible_collections/seedcore/ray"
"$root/.venv/bin/ansible-test" sanity --python 3.11 --requirements --venv --color no
