"""leaderboard: ``mbench leaderboard``, evaluations published as tables, statistics, plots and a page.

Modules, one job each:

- :mod:`.method` the ``method.json`` schema; :mod:`.evaluation` reads and cross-checks one
  evaluation folder; :mod:`.store` finds evaluations and groups them into tables;
- :mod:`.stats` bootstrap intervals, paired tests and ranks with ties; :mod:`.board` applies them
  to every table; :mod:`.reported` the papers' published numbers (``reported.toml``);
- :mod:`.tables` Markdown, LaTeX and CSV; :mod:`.plots` matplotlib figures; :mod:`.site` the
  self-contained ``index.html``; :mod:`.hf` Hugging Face datasets; :mod:`.build` writes a board
  atomically; :mod:`.submit` checks, scores and adds a submission; :mod:`.cli` the command;
- :mod:`.browser` a tiny WebDriver client for headless Chromium, used by :mod:`.screenshot`
  (``python -m mbench.leaderboard.screenshot BOARD/index.html OUT.png``) and the browser test.
"""
