#!/usr/bin/python3
"""The pydicom side of `npm run bench:dicom` (bench/dicom-bench.ts runs it).

  dicom-bench.py make DIR N        writes N CT-like 512x512 int16 slices (12 bits stored, HU rescale, a window) as
                                   DIR/raw/NNNN.dcm (Explicit VR Little Endian) and DIR/rle/NNNN.dcm (RLE Lossless).
                                   pydicom's RLE encoder is slow, so 25 distinct slices are RLE-encoded and the rest
                                   are copies of them under other names (each file is still read and decoded whole).
  dicom-bench.py time DIR/SUBDIR   decodes every file there with pydicom (dcmread, pixel_array, apply_modality_lut)
                                   and prints one JSON line: files, seconds, peak RSS in MiB.
"""
import json
import os
import resource
import shutil
import sys
import time
import warnings

import numpy as np
import pydicom
from pydicom.dataset import Dataset, FileMetaDataset
from pydicom.pixel_data_handlers.util import apply_modality_lut
from pydicom.uid import ExplicitVRLittleEndian, RLELossless, generate_uid

warnings.simplefilter('ignore')
DISTINCT_RLE = 25


def slice_dataset(k, rng):
    yy, xx = np.mgrid[0:512, 0:512]
    r = np.hypot(yy - 256, xx - 256)
    hu = np.where(r < 220, 40.0, -1000.0)
    hu = np.where((r > 160) & (r < 190), 700.0 + (k % 50) * 5, hu)
    hu += rng.normal(0, 20, size=hu.shape)
    stored = np.clip(np.round(hu + 1024), -2048, 2047).astype(np.int16)
    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = '1.2.840.10008.5.1.4.1.1.2'
    meta.MediaStorageSOPInstanceUID = generate_uid()
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.preamble = b'\0' * 128
    ds.is_little_endian = True
    ds.is_implicit_VR = False
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = 'CT'
    ds.Rows = ds.Columns = 512
    ds.SamplesPerPixel = 1
    ds.PhotometricInterpretation = 'MONOCHROME2'
    ds.BitsAllocated = 16
    ds.BitsStored = 12
    ds.HighBit = 11
    ds.PixelRepresentation = 1
    ds.RescaleSlope = 1
    ds.RescaleIntercept = -1024
    ds.WindowCenter = 40
    ds.WindowWidth = 400
    ds.PixelData = stored.tobytes()
    return ds, stored


def make(root, n):
    rng = np.random.default_rng(0)
    os.makedirs(os.path.join(root, 'raw'), exist_ok=True)
    os.makedirs(os.path.join(root, 'rle'), exist_ok=True)
    for k in range(n):
        ds, stored = slice_dataset(k, rng)
        ds.save_as(os.path.join(root, 'raw', f'{k:04d}.dcm'), write_like_original=False)
        if k < DISTINCT_RLE:
            ds.compress(RLELossless, stored)
            ds.save_as(os.path.join(root, 'rle', f'{k:04d}.dcm'), write_like_original=False)
        else:
            shutil.copyfile(os.path.join(root, 'rle', f'{k % DISTINCT_RLE:04d}.dcm'), os.path.join(root, 'rle', f'{k:04d}.dcm'))


def timing(folder):
    files = sorted(os.path.join(folder, f) for f in os.listdir(folder))
    t0 = time.perf_counter()
    checksum = 0.0
    for f in files:
        ds = pydicom.dcmread(f)
        checksum += float(apply_modality_lut(ds.pixel_array, ds)[256, 256])
    seconds = time.perf_counter() - t0
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({'files': len(files), 'seconds': seconds, 'peakMiB': peak, 'checksum': checksum, 'pydicom': pydicom.__version__, 'numpy': np.__version__}))


if __name__ == '__main__':
    if sys.argv[1] == 'make':
        make(sys.argv[2], int(sys.argv[3]))
    else:
        timing(sys.argv[2])
