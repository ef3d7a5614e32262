#!/usr/bin/env python3
"""Builds the Fashion-MNIST subset embedded in samples/FashionMnistBatchNorm/Data/.

Reads the full gzip IDX files (default: ../shared/datasets/fashion-mnist/ beside the repository,
the files Debian ships in dataset-fashion-mnist) and writes four smaller gzip IDX files:

    train-images-idx3-ubyte.gz / train-labels-idx1-ubyte.gz   5,000 images: the first 500 of each class
                                                               in the official training set
    t10k-images-idx3-ubyte.gz  / t10k-labels-idx1-ubyte.gz    1,000 images: the first 100 of each class
                                                               in the official test set (our validation set)

The choice is deterministic (file order, no randomness), classes are balanced, and the
validation images never appear in training. Images keep their original order in the source file.
The gzip header carries no file name and mtime 0, so the output is byte-for-byte reproducible.

Usage: python3 build/make_fashion_subset.py [SOURCE_DIR] [OUTPUT_DIR]
Standard library only.
"""

import gzip
import os
import struct
import sys

IMAGE_MAGIC = 0x00000803
LABEL_MAGIC = 0x00000801
CLASSES = 10

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_SOURCE = os.path.join(REPO, "..", "shared", "datasets", "fashion-mnist")
DEFAULT_OUTPUT = os.path.join(REPO, "samples", "FashionMnistBatchNorm", "Data")

# (file prefix, images kept per class)
SPLITS = [("train", 500), ("t10k", 100)]


def read_idx(path, magic):
    """Returns (dimensions, payload bytes) of a gzip IDX file, checking the magic number and length."""
    with gzip.open(path, "rb") as f:
        data = f.read()
    (found,) = struct.unpack(">i", data[:4])
    if found != magic:
        raise SystemExit(f"{path}: magic number 0x{found:08x}, expected 0x{magic:08x}")
    rank = magic & 0xFF
    dims = struct.unpack(">" + "i" * rank, data[4 : 4 + 4 * rank])
    payload = data[4 + 4 * rank :]
    expected = 1
    for d in dims:
        expected *= d
    if len(payload) != expected:
        raise SystemExit(f"{path}: {len(payload)} data bytes, header says {expected}")
    return dims, payload


def write_idx(path, magic, dims, payload):
    header = struct.pack(">i", magic) + struct.pack(">" + "i" * len(dims), *dims)
    with open(path, "wb") as raw:
        # filename="" and mtime=0 keep the gzip header identical from run to run.
        with gzip.GzipFile(filename="", mode="wb", fileobj=raw, compresslevel=9, mtime=0) as f:
            f.write(header + payload)


def pick(labels, per_class):
    """Indices of the first per_class images of each class, in file order."""
    taken = [0] * CLASSES
    chosen = []
    for index, label in enumerate(labels):
        if taken[label] < per_class:
            taken[label] += 1
            chosen.append(index)
    if min(taken) < per_class:
        raise SystemExit(f"not enough images: per-class counts {taken}, wanted {per_class} each")
    return chosen


def main():
    source = sys.argv[1] if len(sys.argv) > 1 else DEFAULT_SOURCE
    output = sys.argv[2] if len(sys.argv) > 2 else DEFAULT_OUTPUT
    os.makedirs(output, exist_ok=True)
    for prefix, per_class in SPLITS:
        images_name = f"{prefix}-images-idx3-ubyte.gz"
        labels_name = f"{prefix}-labels-idx1-ubyte.gz"
        image_dims, pixels = read_idx(os.path.join(source, images_name), IMAGE_MAGIC)
        label_dims, labels = read_idx(os.path.join(source, labels_name), LABEL_MAGIC)
        if image_dims[0] != label_dims[0]:
            raise SystemExit(f"{prefix}: {image_dims[0]} images but {label_dims[0]} labels")
        rows, cols = image_dims[1], image_dims[2]
        size = rows * cols
        chosen = pick(labels, per_class)
        subset_pixels = b"".join(pixels[i * size : (i + 1) * size] for i in chosen)
        subset_labels = bytes(labels[i] for i in chosen)
        write_idx(os.path.join(output, images_name), IMAGE_MAGIC, (len(chosen), rows, cols), subset_pixels)
        write_idx(os.path.join(output, labels_name), LABEL_MAGIC, (len(chosen),), subset_labels)
        print(f"{prefix}: {len(chosen)} of {image_dims[0]} images ({per_class} per class) -> {output}")


if __name__ == "__main__":
    main()
