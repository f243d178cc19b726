"""`nbdev_test --do_print --timing`, with the slowest chapters first: nbdev starts notebooks in name order, so the CLI
chapter (the longest) would start last and run alone at the end while the other worker idles."""
import builtins
import nbdev.test

SLOW_FIRST = ['18_cli', '16_refinement', '19_more_scales', '13_benchmark', '10_var', '21_tokenizer_sweep', '15_diagnosis']   # measured by `make test --timing`

def _sorted(items, key=None, reverse=False):
    "nbdev's `sorted`: the notebooks (sorted without a key) slowest first, everything else as the builtin sorts it."
    if key is not None or reverse: return builtins.sorted(items, key=key, reverse=reverse)
    rank = lambda f: (SLOW_FIRST.index(f.stem) if f.stem in SLOW_FIRST else len(SLOW_FIRST), f.name)
    return builtins.sorted(items, key=rank)

nbdev.test.sorted = _sorted
nbdev.test.nbdev_test.__wrapped__(do_print=True, timing=True)
