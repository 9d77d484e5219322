#!/usr/bin/python3
"""Writes the PyTorch fixtures that ReferenceConvTest checks the float64 reference against.

Each case is a line of cases.txt and eight .npy files: inputs x, w, b, dy (float32) and PyTorch's results
y, dx, dw, db, computed in float64 from those float32 inputs and stored as float32. Asymmetric padding is
applied with F.pad before an unpadded conv2d. Run from this folder: /usr/bin/python3 make_fixtures.py
"""
import numpy as np
import torch
import torch.nn.functional as F

# name, x shape, filters, (r, s), (sh, sw), (pad top, bottom, left, right), (dh, dw), groups
CASES = [
    ("plain", (2, 3, 9, 8), 4, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 1),
    ("strided_rect", (1, 2, 11, 10), 3, (3, 2), (2, 3), (2, 2, 1, 1), (1, 2), 1),
    ("grouped_dilated", (1, 4, 9, 9), 6, (3, 3), (2, 1), (1, 1, 1, 1), (2, 2), 2),
    ("depthwise", (2, 3, 6, 5), 3, (3, 3), (1, 1), (1, 1, 1, 1), (1, 1), 3),
    ("pointwise_stride2", (1, 5, 5, 6), 2, (1, 1), (2, 2), (0, 0, 0, 0), (1, 1), 1),
    ("asymmetric_pad", (1, 3, 7, 8), 2, (4, 3), (1, 2), (0, 2, 3, 1), (1, 1), 1),
]

rng = np.random.default_rng(20261124)
with open("cases.txt", "w") as out:
    out.write("# name r s sh sw pad_top pad_bottom pad_left pad_right dh dw groups\n")
    for name, xs, k, (r, s), (sh, sw), (pt, pb, pl, pr), (dh, dw), groups in CASES:
        x = rng.standard_normal(xs).astype(np.float32)
        w = rng.standard_normal((k, xs[1] // groups, r, s)).astype(np.float32)
        b = rng.standard_normal(k).astype(np.float32)
        xt = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        wt = torch.tensor(w, dtype=torch.float64, requires_grad=True)
        bt = torch.tensor(b, dtype=torch.float64, requires_grad=True)
        y = F.conv2d(F.pad(xt, (pl, pr, pt, pb)), wt, bt, stride=(sh, sw), dilation=(dh, dw), groups=groups)
        dy = rng.standard_normal(tuple(y.shape)).astype(np.float32)
        y.backward(torch.tensor(dy, dtype=torch.float64))
        arrays = {"x": x, "w": w, "b": b, "dy": dy, "y": y.detach().numpy(), "dx": xt.grad.numpy(),
                  "dw": wt.grad.numpy(), "db": bt.grad.numpy()}
        for key, a in arrays.items():
            np.save(f"{name}_{key}.npy", np.ascontiguousarray(a, dtype=np.float32))
        out.write(f"{name} {r} {s} {sh} {sw} {pt} {pb} {pl} {pr} {dh} {dw} {groups}\n")
