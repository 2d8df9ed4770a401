#!/bin/sh
# Installs Debian's package dataset-fashion-mnist (Fashion-MNIST's four IDX files, about 30 MB, in
# /usr/share/datasets/fashion-mnist, where gan_lib.data.fashion_mnist reads them) when it is missing.
# `make unit`, `make notebooks`, `make book` and `make strict-book` run it first. It needs apt-get
# and root or passwordless sudo; where either is missing it prints why and exits 0 (the tests
# that need the files then skip). Where apt-get can run but fails (offline, say), it exits 1.
set -eu

package=dataset-fashion-mnist
folder=/usr/share/datasets/fashion-mnist
files="train-images-idx3-ubyte.gz train-labels-idx1-ubyte.gz t10k-images-idx3-ubyte.gz t10k-labels-idx1-ubyte.gz"

installed() {
    for name in $files; do
        [ -f "$folder/$name" ] || return 1
    done
}

if installed; then
    exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
    echo "install_fashion_mnist.sh: no apt-get here, so $package is not installed; the Fashion-MNIST tests skip" >&2
    exit 0
fi
if [ "$(id -u)" -eq 0 ]; then
    as_root=""
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    as_root="sudo -n"
else
    echo "install_fashion_mnist.sh: apt-get needs root or passwordless sudo, so $package is not installed;" \
        "the Fashion-MNIST tests skip (run 'sudo apt-get install $package' yourself)" >&2
    exit 0
fi

echo "install_fashion_mnist.sh: installing Debian's $package with apt-get" >&2
export DEBIAN_FRONTEND=noninteractive
# Try the package lists already here first; refresh them only if that fails.
if ! $as_root apt-get install -y -qq "$package" >/dev/null 2>&1; then
    $as_root apt-get update -qq
    $as_root apt-get install -y -qq "$package" >/dev/null
fi
if ! installed; then
    echo "install_fashion_mnist.sh: apt-get ran, but $folder does not hold the four files" >&2
    exit 1
fi
