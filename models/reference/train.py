#!/usr/bin/env python3
"""Train pqweb's reference classifier: a VGG-style CNN on Fashion-MNIST whose dense head holds >90% of the
parameters, like the networks of Gong et al. 2014. Seeded; a few minutes on one GPU, slower on CPU.

    python3 models/reference/train.py --data /usr/share/datasets/fashion-mnist --out models/reference

Writes fashion-vgg.onnx (opset 17, dynamic batch, float32 logits) and fashion-vgg.json (the model card),
plus small ONNX fixtures for the compressor's tests when --fixtures DIR is given.
"""
import argparse
import gzip
import hashlib
import json
import os
import random
import struct
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

LABELS = ["T-shirt/top", "Trouser", "Pullover", "Dress", "Coat", "Sandal", "Shirt", "Sneaker", "Bag", "Ankle boot"]
IDX_IMAGES_MAGIC = 2051
IDX_LABELS_MAGIC = 2049


def read_idx(path: str, magic: int) -> np.ndarray:
    with gzip.open(path, "rb") if path.endswith(".gz") else open(path, "rb") as f:
        data = f.read()
    got = struct.unpack(">I", data[:4])[0]
    if got != magic:
        raise ValueError(f"{path}: magic {got}, expected {magic}")
    if magic == IDX_IMAGES_MAGIC:
        n, rows, cols = struct.unpack(">III", data[4:16])
        return np.frombuffer(data, dtype=np.uint8, offset=16).reshape(n, rows, cols)
    (n,) = struct.unpack(">I", data[4:8])
    return np.frombuffer(data, dtype=np.uint8, offset=8).reshape(n)


def load_split(data_dir: str, prefix: str):
    def find(stem: str) -> str:
        for name in (stem, stem + ".gz"):
            p = os.path.join(data_dir, name)
            if os.path.exists(p):
                return p
        raise FileNotFoundError(f"{stem}(.gz) not found in {data_dir}: apt-get install dataset-fashion-mnist")

    images = read_idx(find(f"{prefix}-images-idx3-ubyte"), IDX_IMAGES_MAGIC)
    labels = read_idx(find(f"{prefix}-labels-idx1-ubyte"), IDX_LABELS_MAGIC)
    return images, labels


def conv_block(cin: int, cout: int) -> list[nn.Module]:
    return [nn.Conv2d(cin, cout, 3, padding=1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(inplace=True)]


class FashionVGG(nn.Module):
    """conv(32,32) → pool → conv(64,64) → pool → 3136 features → FC 1024 → FC 512 → 10 logits."""

    def __init__(self) -> None:
        super().__init__()
        self.features = nn.Sequential(
            *conv_block(1, 32), *conv_block(32, 32), nn.MaxPool2d(2),
            *conv_block(32, 64), *conv_block(64, 64), nn.MaxPool2d(2),
        )
        self.classifier = nn.Sequential(
            nn.Flatten(),
            nn.Linear(64 * 7 * 7, 1024), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(1024, 512), nn.ReLU(inplace=True), nn.Dropout(0.5),
            nn.Linear(512, 10),
        )

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.classifier(self.features(x))


def augment(x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """Random horizontal flip and a random shift of up to 2 pixels (pad + crop), on the device."""
    n = x.shape[0]
    flip = torch.rand(n, generator=gen, device=x.device) < 0.5
    x = torch.where(flip[:, None, None, None], x.flip(3), x)
    padded = F.pad(x, (2, 2, 2, 2), value=float(x.min()))
    dx = torch.randint(0, 5, (n,), generator=gen, device=x.device)
    dy = torch.randint(0, 5, (n,), generator=gen, device=x.device)
    rows = (dy[:, None] + torch.arange(28, device=x.device)[None, :])  # n×28
    cols = (dx[:, None] + torch.arange(28, device=x.device)[None, :])
    idx_r = rows[:, None, :, None].expand(n, 1, 28, 32)
    x = padded.gather(2, idx_r)
    idx_c = cols[:, None, None, :].expand(n, 1, 28, 28)
    return x.gather(3, idx_c)


def evaluate(model: nn.Module, x: torch.Tensor, y: torch.Tensor, batch: int = 1000) -> float:
    model.eval()
    correct = 0
    with torch.no_grad():
        for i in range(0, x.shape[0], batch):
            correct += (model(x[i:i + batch]).argmax(1) == y[i:i + batch]).sum().item()
    return correct / x.shape[0]


def layer_params(model: FashionVGG) -> list[dict]:
    out = []
    for name, mod in model.named_modules():
        if isinstance(mod, (nn.Conv2d, nn.Linear, nn.BatchNorm2d)):
            count = sum(p.numel() for p in mod.parameters())
            kind = {nn.Conv2d: "conv", nn.Linear: "dense", nn.BatchNorm2d: "batchnorm"}[type(mod)]
            shape = list(mod.weight.shape)
            out.append({"name": name, "kind": kind, "weightShape": shape, "params": count})
    return out


def export_fixtures(out_dir: str, seed: int) -> None:
    """Tiny ONNX models in each dense-head pattern the compressor must recognise, with reference outputs."""
    import onnx
    import onnxruntime as ort
    from onnx import TensorProto, helper, numpy_helper

    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(seed)

    class TinyConvNet(nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.conv = nn.Conv2d(1, 4, 3, padding=1)
            self.fc1 = nn.Linear(4 * 4 * 4, 24)
            self.drop = nn.Dropout(0.5)
            self.fc2 = nn.Linear(24, 5)

        def forward(self, x: torch.Tensor) -> torch.Tensor:
            x = F.max_pool2d(F.relu(self.conv(x)), 2)
            x = torch.flatten(x, 1)
            return self.fc2(self.drop(F.relu(self.fc1(x))))

    net = TinyConvNet().eval()
    dummy = torch.randn(2, 1, 8, 8)
    common = dict(input_names=["input"], output_names=["logits"], opset_version=17)
    torch.onnx.export(net, (dummy,), os.path.join(out_dir, "tiny-classic.onnx"), dynamo=False,
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, **common)
    try:
        batch = torch.export.Dim("batch", min=1, max=1024)
        prog = torch.onnx.export(net, (dummy,), dynamo=True, dynamic_shapes={"x": {0: batch}}, **common)
        prog.save(os.path.join(out_dir, "tiny-dynamo.onnx"))
    except Exception as err:  # keep the run going; the fixture list says what is missing
        print("dynamo export failed:", err)

    # Keras-style: Reshape → MatMul([in,out]) → Add → Relu → MatMul → Add, weights stored [in, out].
    rng = np.random.default_rng(seed)
    w1 = rng.standard_normal((12, 9)).astype(np.float32) * 0.3
    b1 = rng.standard_normal(9).astype(np.float32) * 0.1
    w2 = rng.standard_normal((9, 4)).astype(np.float32) * 0.3
    b2 = rng.standard_normal(4).astype(np.float32) * 0.1
    shape = np.array([-1, 12], dtype=np.int64)
    graph = helper.make_graph(
        [
            helper.make_node("Reshape", ["input", "shape"], ["flat"], name="flatten"),
            helper.make_node("MatMul", ["flat", "dense_w"], ["mm1"], name="dense/MatMul"),
            helper.make_node("Add", ["mm1", "dense_b"], ["a1"], name="dense/BiasAdd"),
            helper.make_node("Relu", ["a1"], ["r1"], name="dense/Relu"),
            helper.make_node("MatMul", ["r1", "dense_1_w"], ["mm2"], name="dense_1/MatMul"),
            helper.make_node("Add", ["mm2", "dense_1_b"], ["logits"], name="dense_1/BiasAdd"),
        ],
        "keras_style",
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", 3, 4])],
        [helper.make_tensor_value_info("logits", TensorProto.FLOAT, ["batch", 4])],
        [numpy_helper.from_array(shape, "shape"), numpy_helper.from_array(w1, "dense_w"),
         numpy_helper.from_array(b1, "dense_b"), numpy_helper.from_array(w2, "dense_1_w"),
         numpy_helper.from_array(b2, "dense_1_b")],
    )
    # IR version 8 is the newest that every onnxruntime we target (1.16+) loads with opset 17.
    keras = helper.make_model(graph, opset_imports=[helper.make_opsetid("", 17)], producer_name="pqweb-fixtures",
                              ir_version=8)
    onnx.checker.check_model(keras)
    onnx.save(keras, os.path.join(out_dir, "tiny-keras.onnx"))

    refs = {}
    inputs = {"tiny-classic.onnx": (3, 1, 8, 8), "tiny-dynamo.onnx": (3, 1, 8, 8), "tiny-keras.onnx": (3, 3, 4)}
    for name, shp in inputs.items():
        path = os.path.join(out_dir, name)
        if not os.path.exists(path):
            continue
        x = rng.standard_normal(shp).astype(np.float32)
        sess = ort.InferenceSession(path, providers=["CPUExecutionProvider"])
        y = sess.run(None, {sess.get_inputs()[0].name: x})[0]
        refs[name] = {"inputName": sess.get_inputs()[0].name, "inputShape": list(shp),
                      "input": x.ravel().tolist(), "output": y.ravel().tolist(), "outputShape": list(y.shape)}
    with open(os.path.join(out_dir, "reference-outputs.json"), "w") as f:
        json.dump(refs, f)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--data", default="/usr/share/datasets/fashion-mnist")
    ap.add_argument("--out", default=os.path.dirname(os.path.abspath(__file__)))
    ap.add_argument("--epochs", type=int, default=30)
    ap.add_argument("--batch", type=int, default=256)
    ap.add_argument("--seed", type=int, default=20141219)
    ap.add_argument("--fixtures", default=None)
    args = ap.parse_args()

    random.seed(args.seed)
    np.random.seed(args.seed)
    torch.manual_seed(args.seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    torch.backends.cudnn.deterministic = True
    torch.backends.cudnn.benchmark = False
    torch.use_deterministic_algorithms(True, warn_only=True)
    dev = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    print("device", dev, torch.cuda.get_device_name(0) if dev.type == "cuda" else "", "torch", torch.__version__)

    train_x, train_y = load_split(args.data, "train")
    test_x, test_y = load_split(args.data, "t10k")
    mean = float(train_x.mean() / 255.0)
    std = float(train_x.std() / 255.0)
    print(f"normalization mean={mean:.6f} std={std:.6f}")

    def to_tensor(images: np.ndarray) -> torch.Tensor:
        t = torch.from_numpy(images.astype(np.float32) / 255.0)
        return ((t - mean) / std).unsqueeze(1).to(dev)

    xtr, ytr = to_tensor(train_x), torch.from_numpy(train_y.astype(np.int64)).to(dev)
    xte, yte = to_tensor(test_x), torch.from_numpy(test_y.astype(np.int64)).to(dev)

    model = FashionVGG().to(dev)
    opt = torch.optim.AdamW(model.parameters(), lr=2e-3, weight_decay=5e-4)
    steps_per_epoch = (xtr.shape[0] + args.batch - 1) // args.batch
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=2e-3, total_steps=args.epochs * steps_per_epoch)
    gen = torch.Generator(device=dev)
    gen.manual_seed(args.seed)
    t0 = time.time()
    for epoch in range(args.epochs):
        model.train()
        perm = torch.randperm(xtr.shape[0], generator=gen, device=dev)
        total = 0.0
        for i in range(0, xtr.shape[0], args.batch):
            idx = perm[i:i + args.batch]
            xb = augment(xtr[idx], gen)
            loss = F.cross_entropy(model(xb), ytr[idx])
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * idx.numel()
        acc = evaluate(model, xte, yte)
        print(f"epoch {epoch + 1:2d} loss {total / xtr.shape[0]:.4f} test {acc * 100:.2f}% ({time.time() - t0:.0f}s)")

    model = model.cpu().eval()
    onnx_path = os.path.join(args.out, "fashion-vgg.onnx")
    torch.onnx.export(model, (torch.zeros(1, 1, 28, 28),), onnx_path, dynamo=False, opset_version=17,
                      input_names=["input"], output_names=["logits"],
                      dynamic_axes={"input": {0: "batch"}, "logits": {0: "batch"}}, do_constant_folding=True)

    import onnx
    import onnxruntime as ort
    onnx.checker.check_model(onnx.load(onnx_path))
    sess = ort.InferenceSession(onnx_path, providers=["CPUExecutionProvider"])
    xs = ((test_x.astype(np.float32) / 255.0 - mean) / std)[:, None, :, :].astype(np.float32)
    correct = 0
    for i in range(0, xs.shape[0], 500):
        logits = sess.run(["logits"], {"input": xs[i:i + 500]})[0]
        correct += int((logits.argmax(1) == test_y[i:i + 500]).sum())
    ort_acc = correct / xs.shape[0]
    print(f"onnxruntime test accuracy {ort_acc * 100:.2f}%")

    layers = layer_params(model)
    total_params = sum(p.numel() for p in model.parameters())
    dense_params = sum(l["params"] for l in layers if l["kind"] == "dense")
    with open(onnx_path, "rb") as f:
        sha = hashlib.sha256(f.read()).hexdigest()
    card = {
        "name": "fashion-vgg",
        "description": "VGG-style CNN for Fashion-MNIST (28x28 grayscale); dense head holds "
                       f"{dense_params / total_params * 100:.1f}% of the parameters.",
        "file": "fashion-vgg.onnx",
        "sha256": sha,
        "opset": 17,
        "input": {"name": "input", "shape": ["batch", 1, 28, 28], "dtype": "float32", "layout": "NCHW"},
        "output": {"name": "logits", "shape": ["batch", 10], "dtype": "float32"},
        "preprocessing": {"width": 28, "height": 28, "channels": 1, "scale": 1 / 255,
                          "mean": [round(mean, 6)], "std": [round(std, 6)],
                          "formula": "x = (pixel / 255 - mean) / std"},
        "labels": LABELS,
        "parameters": {"total": total_params, "dense": dense_params, "layers": layers},
        "testAccuracy": {"top1": ort_acc, "images": int(xs.shape[0]), "measuredWith": f"onnxruntime {ort.__version__} CPU"},
        "training": {"script": "models/reference/train.py", "seed": args.seed, "epochs": args.epochs,
                     "batch": args.batch, "optimizer": "AdamW lr 2e-3 wd 5e-4, one-cycle",
                     "augmentation": "horizontal flip, shift <= 2 px", "torch": torch.__version__,
                     "device": torch.cuda.get_device_name(0) if dev.type == "cuda" else "cpu",
                     "torchTestAccuracy": evaluate(model, xte.cpu(), yte.cpu())},
    }
    with open(os.path.join(args.out, "fashion-vgg.json"), "w") as f:
        json.dump(card, f, indent=2)
        f.write("\n")
    print(json.dumps({k: card[k] for k in ("sha256", "testAccuracy", "parameters")}, indent=1)[:1500])
    if args.fixtures:
        export_fixtures(args.fixtures, args.seed)


if __name__ == "__main__":
    main()
