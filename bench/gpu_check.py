"""GPU check: AMP training, sampling speed and the demo on a CUDA device.

Prints effective training rates (images/s, validation included; the demo now measures its own at start-up),
sampling speed at batch 100, and runs `minivar_demo` with a short budget. Run on a machine with a GPU:
    python bench/gpu_check.py [--budget MINUTES]
"""
import sys, time, json, argparse, tempfile
import torch
from minivar.core import seed_everything
from minivar.data import get_dls
from minivar.training import fit
from minivar.multiscale import MultiScaleVQVAE
from minivar.tokens import token_dls, prior_loss
from minivar.pixelcnn import PixelCNN
from minivar.nextscale import NextScalePrior, NextScaleConfig
from minivar.metrics import MNISTClassifier, throughput
from minivar.cli import minivar_demo

DEV = 'cuda'

def rate(model, tr, va, epochs, **kw):
    "Effective training rate (images/s including validation) and the last validation metrics."
    t0 = time.perf_counter()
    h = fit(model, tr, va, epochs=epochs, device=DEV, progress=False, log=None, **kw)
    if DEV == 'cuda': torch.cuda.synchronize()
    return len(tr.dataset) * epochs / (time.perf_counter() - t0), h.valid[-1]

def main(budget, epochs):
    print(torch.cuda.get_device_name() if DEV == 'cuda' else DEV, 'torch', torch.__version__, flush=True)
    seed_everything(0)
    tr, va = get_dls('mnist', bs=128)
    res = {}
    tok = MultiScaleVQVAE()
    res['tokenizer'] = rate(tok, tr, va, epochs)
    ttr, tva = token_dls(tok.to(DEV), tr, va, bs=128)
    ns = NextScalePrior(NextScaleConfig(num_codes=256, latent_dim=32))
    res['prior'] = rate(ns, ttr, tva, epochs, loss_fn=prior_loss(tok))
    clf = MNISTClassifier()
    res['classifier'] = rate(clf, tr, va, epochs, loss_fn=lambda m, b: m.loss(*b))
    for k, (r, v) in res.items(): print(f'{k}: {r:.0f} images/s (validation included); last valid {json.dumps(v)}', flush=True)
    raster = PixelCNN().to(DEV)
    for name, fn, head in (('raster', lambda b: raster.sample(b), raster.head),
                           ('nextscale parallel', lambda b: ns.sample(b, tok), ns.head)):
        print(name, 'sampling', throughput(fn, head, bs=100, device=DEV), flush=True)
    with tempfile.TemporaryDirectory() as d:
        minivar_demo(['--budget', str(budget), '--out', d, '--device', DEV, '--no-progress'])

if __name__ == '__main__':
    p = argparse.ArgumentParser(description=__doc__)
    p.add_argument('--budget', type=float, default=1.0)
    p.add_argument('--epochs', type=int, default=6)
    p.add_argument('--device', default='cuda')
    a = p.parse_args()
    DEV = a.device
    main(a.budget, a.epochs)
