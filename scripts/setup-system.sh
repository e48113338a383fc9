#!/usr/bin/env bash
# Installs the system packages Axon needs on Debian 12 (bookworm):
#  - a Vulkan driver new enough for Dawn (mesa 25 from bookworm-backports) so WebGPU runs on llvmpipe,
#  - Debian's Chromium for the browser tests,
#  - the Fashion-MNIST data set, the `fortunes` text corpus (char-gpt's default data), ONNX's node test suite (libonnx-testdata, for the ONNX conformance run),
#  - with AXON_SETUP_PYTHON=1 (CI sets it): PyTorch, torchvision and ONNX for Python, which export the torchvision models the
#    ONNX architecture tests and bench cases read (scripts/make-onnx-models.py; without them those tests skip outside CI).
# Idempotent: it installs only what is missing. Elsewhere it says what is missing and how to get it.
set -euo pipefail

need=()
have_pkg() { dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q "install ok installed"; }

if [ ! -r /etc/os-release ] || ! grep -q 'VERSION_CODENAME=bookworm' /etc/os-release; then
  echo "setup-system: not Debian 12 (bookworm); install these yourself if they are missing:" >&2
  echo "  - a Vulkan driver Dawn accepts (Mesa >= 24 lavapipe/llvmpipe, or a GPU driver) for WebGPU" >&2
  echo "  - Chromium (set AXON_CHROMIUM=/path/to/chromium) for browser tests" >&2
  echo "  - Fashion-MNIST IDX files (set AXON_DATA=/dir) for the main training job" >&2
  echo "  - a text corpus for char-gpt (Debian's fortunes, or pass --data FILE)" >&2
  exit 0
fi

mesa_ok() {
  have_pkg mesa-vulkan-drivers || return 1
  v=$(dpkg-query -W -f='${Version}' mesa-vulkan-drivers)
  dpkg --compare-versions "$v" ge 24 
}
mesa_ok || need+=(mesa)
have_pkg libvulkan1 || need+=(mesa)
[ -x /usr/bin/chromium ] || need+=(chromium)
[ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz ] || [ -e /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte ] || need+=(data)
[ -d /usr/share/libonnx-testdata/data/node ] || need+=(onnxdata)
[ -e /usr/share/games/fortunes/cookie ] || need+=(fortunes)
if [ "${AXON_SETUP_PYTHON:-0}" = 1 ]; then
  /usr/bin/python3 -c 'import torch, torchvision, onnx' 2>/dev/null || need+=(torch)
fi

[ ${#need[@]} -eq 0 ] && exit 0

SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null; then SUDO=sudo; else
    echo "setup-system: missing (${need[*]}) and not root; run: sudo bash scripts/setup-system.sh" >&2; exit 1; fi
fi
export DEBIAN_FRONTEND=noninteractive

if [[ " ${need[*]} " == *" mesa "* ]] && ! grep -rqs bookworm-backports /etc/apt/sources.list /etc/apt/sources.list.d/; then
  echo "deb http://deb.debian.org/debian bookworm-backports main" | $SUDO tee /etc/apt/sources.list.d/axon-backports.list >/dev/null
fi
echo "setup-system: installing ${need[*]} (apt)…" >&2
$SUDO apt-get update -qq
for n in "${need[@]}"; do
  case $n in
    mesa) $SUDO apt-get install -y -qq -t bookworm-backports mesa-vulkan-drivers libvulkan1 >/dev/null ;;
    chromium) $SUDO apt-get install -y -qq chromium fonts-dejavu-core >/dev/null ;;
    data) $SUDO apt-get install -y -qq dataset-fashion-mnist >/dev/null ;;
    onnxdata) $SUDO apt-get install -y -qq libonnx-testdata >/dev/null ;;
    fortunes) $SUDO apt-get install -y -qq fortunes >/dev/null ;;
    torch) $SUDO apt-get install -y -qq python3-torch python3-torchvision python3-onnx >/dev/null ;;
  esac
done
echo "setup-system: done" >&2
