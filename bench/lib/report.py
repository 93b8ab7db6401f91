"""Result rows, the printed table and the JSON file.

Every suite returns Rows; `bench/run` prints them as one table
(metric | forge | peer | ratio | goal | met?) and writes them as JSON."""

import json
import operator
import os

GOAL_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}


class Row:
    """One measured figure of the forge, and of its peer when there is one.

    goal: None, or (subject, op, value) where subject is "ratio" (forge/peer)
    or "forge" (the forge's own figure, in the row's unit).
    compare: False when the peer figure is only a reference point, too unlike
    the forge's to make a ratio of (the ratio is then left out)."""

    def __init__(self, id, metric, unit, forge=None, peer=None, peer_name=None,
                 goal=None, note=None, samples=None, suite=None, compare=True):
        self.id = id
        self.metric = metric
        self.unit = unit
        self.forge = forge
        self.peer = peer
        self.peer_name = peer_name
        self.goal = goal
        self.note = note
        self.samples = samples or {}
        self.suite = suite
        self.compare = compare
        self.error = None

    @property
    def ratio(self):
        if not self.compare or self.forge is None or not self.peer:
            return None
        return self.forge / self.peer

    @property
    def met(self):
        if self.goal is None:
            return None
        subject, op, value = self.goal
        figure = self.ratio if subject == "ratio" else self.forge
        if figure is None:
            return None
        return GOAL_OPS[op](figure, value)

    def goal_text(self):
        if self.goal is None:
            return "—"
        subject, op, value = self.goal
        op = {"<=": "≤", ">=": "≥"}.get(op, op)
        if subject == "ratio":
            return f"ratio {op} {value:g}"
        return f"{op} {value:g} {self.unit}"

    def to_json(self):
        return {
            "suite": self.suite,
            "id": self.id,
            "metric": self.metric,
            "unit": self.unit,
            "forge": self.forge,
            "peer": self.peer,
            "peer_name": self.peer_name,
            "ratio": None if self.ratio is None else round(self.ratio, 4),
            "goal": None if self.goal is None else {
                "of": self.goal[0], "op": self.goal[1], "value": self.goal[2], "text": self.goal_text(),
            },
            "met": self.met,
            "note": self.note,
            "error": self.error,
            "samples": self.samples,
        }


def _figure(value, unit):
    if value is None:
        return "—"
    if unit == "s":
        return f"{value:.3f} s"
    if unit == "ms":
        return f"{value:.1f} ms"
    if unit == "MB":
        return f"{value:.1f} MB"
    if unit == "req/s":
        return f"{value:,.0f} req/s"
    return f"{value:g} {unit}"


def table(rows):
    header = ["metric", "forge", "peer", "ratio", "goal", "met?"]
    lines = [header]
    notes = []
    for row in rows:
        metric = row.metric
        if row.note:
            notes.append(row.note)
            metric = f"{metric} [{len(notes)}]"
        if row.error:
            lines.append([metric, "error", "", "", row.goal_text(), "—"])
            continue
        peer = _figure(row.peer, row.unit)
        if row.peer is not None and row.peer_name:
            peer = f"{peer} ({row.peer_name})"
        ratio = "—" if row.ratio is None else f"{row.ratio:.2f}×"
        met = {None: "—", True: "yes", False: "NO"}[row.met]
        lines.append([metric, _figure(row.forge, row.unit), peer, ratio, row.goal_text(), met])
    widths = [max(len(line[i]) for line in lines) for i in range(len(header))]

    def render(line):
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(line, widths)) + " |"

    out = [render(lines[0]), "|" + "|".join("-" * (w + 2) for w in widths) + "|"]
    out += [render(line) for line in lines[1:]]
    for i, note in enumerate(notes, 1):
        out.append(f"[{i}] {note}")
    for row in rows:
        if row.error:
            out.append(f"error in {row.metric}: {row.error}")
    return "\n".join(out)


def write_json(path, document):
    with open(path + ".tmp", "w") as f:
        json.dump(document, f, indent=2, ensure_ascii=False)
        f.write("\n")
    os.replace(path + ".tmp", path)
