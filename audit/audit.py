"""The mutation audit: plant each bug of `bugs.json` in a scratch copy of the repository (in the notebook and in the
exported module alike, as a developer's edit would be), run the tests of the chapter that owns the module (or the
chapters the bug names), and count how many bugs the tests catch. `make audit` runs it; it exits 1 when a bug is missed."""
import argparse, json, os, shutil, subprocess, sys, tempfile, time
from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
COPY = ('nbs', 'minivar', 'tools', 'settings.ini', 'setup.py', 'pyproject.toml', 'README.md')   # what a chapter's tests read

def owner(module:str) -> str:
    "The notebook a module is exported from, as its header says ('File to edit: ../nbs/NAME.ipynb')."
    head = (ROOT/'minivar'/f'{module}.py').read_text().split('File to edit: ../nbs/', 1)
    if len(head) < 2: raise SystemExit(f"audit: minivar/{module}.py does not name the notebook it is exported from.")
    return head[1].split('.ipynb', 1)[0]

def _replace_once(text:str, bug:dict, where:str) -> str:
    n = text.count(bug['find'])
    if n != 1: raise ValueError(f"bug {bug['id']}: its 'find' text occurs {n} times in {where}, not once: update bugs.json to today's code.")
    return text.replace(bug['find'], bug['replace'])

def plant(tree:Path, bug:dict):
    "Edit the bug into the module and into the one code cell of its notebook that holds the same lines."
    py = tree/'minivar'/f"{bug['module']}.py"
    py.write_text(_replace_once(py.read_text(), bug, py.name))
    nb_path = tree/'nbs'/f"{owner(bug['module'])}.ipynb"
    nb = json.loads(nb_path.read_text())
    cells = [c for c in nb['cells'] if c['cell_type'] == 'code' and bug['find'] in ''.join(c['source'])]
    if len(cells) != 1: raise ValueError(f"bug {bug['id']}: its 'find' text is in {len(cells)} code cells of {nb_path.name}, not one.")
    cells[0]['source'] = _replace_once(''.join(cells[0]['source']), bug, nb_path.name).splitlines(keepends=True)
    nb_path.write_text(json.dumps(nb, indent=1, ensure_ascii=False))

def scratch(base:Path, name:str, source:Path=ROOT) -> Path:
    "A fresh copy of what the tests read, from `source` (the repository, or the snapshot of it the audit took at its start)."
    tree = base/name
    for p in COPY:
        src = source/p
        if src.is_dir(): shutil.copytree(src, tree/p, ignore=shutil.ignore_patterns('__pycache__', '.ipynb_checkpoints', '_proc'))
        else: shutil.copy2(src, tree/p)
    return tree

def run_chapter(tree:Path, chapter:str, timeout:int) -> tuple:
    "(passed, seconds, last lines) of one chapter's tests in `tree`, importing `tree`'s minivar, on an empty cache."
    with tempfile.TemporaryDirectory() as cache:
        env = {**os.environ, 'PYTHONPATH': str(tree), 'MINIVAR_CACHE': cache, 'OMP_NUM_THREADS': '1'}
        t0 = time.perf_counter()
        try: r = subprocess.run([str(Path(sys.executable).parent/'nbdev_test'), '--path', f'nbs/{chapter}.ipynb', '--do_print'],
                                cwd=tree, env=env, capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired: return False, time.perf_counter() - t0, f'timed out after {timeout} s'
    out = (r.stdout + r.stderr).strip().splitlines()
    return r.returncode == 0, time.perf_counter() - t0, ' | '.join(l for l in out if 'Error' in l)[-300:]

def chapters(bug:dict) -> list: return bug.get('chapters') or [owner(bug['module'])]

def audit_bug(base:Path, bug:dict, timeout:int) -> dict:
    "Plant one bug in its own scratch tree and run its chapters' tests until one fails."
    tree = scratch(base, bug['id'], base/'control')
    try: plant(tree, bug)
    except ValueError as e: return {**bug, 'result': 'not planted', 'why': str(e)}
    secs, caught_by = 0.0, None
    for ch in chapters(bug):
        ok, s, why = run_chapter(tree, ch, timeout); secs += s
        if not ok: caught_by = ch; break
    shutil.rmtree(tree, ignore_errors=True)
    return {**bug, 'result': 'caught' if caught_by else 'MISSED', 'by': caught_by, 'seconds': secs, 'why': why if caught_by else ''}

def main():
    ap = argparse.ArgumentParser(description=__doc__.split('\n')[0])
    ap.add_argument('--only', nargs='+', help='bug ids to plant (default: all)')
    ap.add_argument('--jobs', type=int, default=2, help='scratch trees tested at once')
    ap.add_argument('--timeout', type=int, default=900, help='seconds one chapter may take')
    ap.add_argument('--bugs', default=str(Path(__file__).with_name('bugs.json')))
    a = ap.parse_args()
    bugs = [b for b in json.loads(Path(a.bugs).read_text()) if not a.only or b['id'] in a.only]
    with tempfile.TemporaryDirectory() as base, ThreadPoolExecutor(a.jobs) as pool:
        base, t0 = Path(base), time.perf_counter()
        control = scratch(base, 'control')                               # the snapshot every bug is planted in; unmutated, its tests must pass
        needed = sorted({ch for b in bugs for ch in chapters(b)})
        for ch, (ok, s, why) in zip(needed, pool.map(lambda ch: run_chapter(control, ch, a.timeout), needed)):
            print(f"control {ch}: {'passes' if ok else 'FAILS'} ({s:.0f} s){'' if ok else ': ' + why}", flush=True)
            if not ok: raise SystemExit("audit: a chapter fails without any bug planted: fix it first.")
        results = []
        for r in pool.map(lambda b: audit_bug(base, b, a.timeout), bugs):
            print(f"{r['id']:<28} {r['result']:<12} {r.get('by') or '':<18} {r.get('seconds', 0):5.0f} s  {r['bug']}", flush=True)
            results.append(r)
    per = defaultdict(lambda: [0, 0])
    for r in results: per[r['module']][0] += r['result'] == 'caught'; per[r['module']][1] += 1
    print('\n| module | caught / planted |\n|---|---|')
    for m, (c, n) in sorted(per.items()): print(f'| {m} | {c} / {n} |')
    caught = sum(c for c, _ in per.values())
    print(f'| all | {caught} / {len(results)} |\n\n{caught} caught, {len(results) - caught} missed ({(time.perf_counter() - t0) / 60:.1f} min)')
    for r in results:
        if r['result'] != 'caught': print(f"  {r['result']}: {r['id']} ({r['module']}): {r['bug']} {r.get('why', '')}")
    sys.exit(caught != len(results))

if __name__ == '__main__': main()
