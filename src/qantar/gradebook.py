"""The class around the grader: which file is whose, the gradebook in a platform's layout, and feedback.

- **Submissions** come as a plain folder of notebooks, as Moodle's "Download all submissions"
  (a folder per student, ``Full Name_12345_assignsubmission_file``), or as Canvas's "Download
  submissions" (``doejohn_LATE_12345_67890_quiz.ipynb``); a zip of any of them is unpacked first.
  Every file gets a row; only hidden files and folders that hold no file at all are skipped,
  and those are named in :attr:`Batch.skipped`.
- **A roster** (CSV) says who a file belongs to: by the platform's user id, by the name the
  platform wrote, or by a file pattern (``*jdoe*``), giving a student id, a name and an email.
  Roster students with no submission get a ``missing`` row.
- **Formats**: ``plain`` (one row per file, every question, for the teacher), ``canvas`` and
  ``moodle`` (one row per student, the total, in the platforms' grade-import layouts).
- **Feedback**: a Markdown file per submission with each question's points and message.
"""

from __future__ import annotations

import csv
import fnmatch
import json
import re
import shutil
import tempfile
import zipfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from qantar.grading import GradingError, Question, Row, grade_files, load_key

FORMATS = ("plain", "canvas", "moodle")

MOODLE_FOLDER = re.compile(r"^(?P<name>.+?)_(?P<id>\d+)_assign(?:submission|feedback)_(?P<plugin>[a-z]+)_?$")
CANVAS_FILE = re.compile(
    r"^(?P<name>[^\W_]*?)(?P<late>_LATE|[- ]late)?_(?P<id>\d+)_(?:(?P<attachment>\d+)_)?(?P<file>.+)$"
)


@dataclass
class Submission:
    path: Path
    file: str  # as the gradebook names it: the path inside the submissions folder
    platform_id: str = ""  # the LMS user id in the file or folder name
    platform_name: str = ""  # the name the LMS wrote
    late_marker: bool = False  # Canvas wrote LATE into the name
    student_id: str = ""
    name: str = ""
    email: str = ""
    extra: dict[str, str] = field(default_factory=dict)  # the roster's further columns
    flags: list[str] = field(default_factory=list)


@dataclass
class Batch:
    submissions: list[Submission]
    skipped: list[str]
    unpacked: Path | None = None  # a temporary folder holding an unpacked zip


def _safe_extract(archive: Path) -> Path:
    """Unpack a zip of submissions into a new temporary folder, refusing paths that leave it."""
    target = Path(tempfile.mkdtemp(prefix="qantar-submissions-"))
    try:
        with zipfile.ZipFile(archive) as handle:
            for member in handle.infolist():
                destination = (target / member.filename).resolve()
                if not destination.is_relative_to(target.resolve()):
                    raise GradingError(f"{archive}: the entry {member.filename!r} would be written outside the folder")
                if member.is_dir():
                    destination.mkdir(parents=True, exist_ok=True)
                else:
                    destination.parent.mkdir(parents=True, exist_ok=True)
                    with handle.open(member) as source, destination.open("wb") as out:
                        shutil.copyfileobj(source, out)
    except zipfile.BadZipFile as error:
        shutil.rmtree(target, ignore_errors=True)
        raise GradingError(f"{archive} is not a zip of submissions: {error}") from None
    return target


def find_submissions(folder: Path) -> Batch:
    """Every submitted file under ``folder`` (or in a zip), read as plain, Moodle or Canvas layout."""
    folder = Path(folder)
    unpacked = None
    if folder.is_file() and folder.suffix == ".zip":
        unpacked = folder = _safe_extract(folder)
    if not folder.is_dir():
        raise GradingError(f"{folder} is not a folder (or zip) of submissions")
    submissions: list[Submission] = []
    skipped: list[str] = []
    for entry in sorted(folder.iterdir()):
        if entry.name.startswith(".") or entry.name == "__MACOSX":
            skipped.append(f"{entry.name}: hidden")
            continue
        if entry.is_dir():
            moodle = MOODLE_FOLDER.match(entry.name)
            files = sorted(p for p in entry.rglob("*") if p.is_file() and not p.name.startswith("."))
            if not files:
                skipped.append(f"{entry.name}/: an empty folder")
            for path in files:
                submission = Submission(path, str(path.relative_to(folder)))
                if moodle:
                    submission.platform_id, submission.platform_name = moodle["id"], moodle["name"]
                submissions.append(submission)
            if moodle and len(files) > 1:
                for submission in submissions[-len(files) :]:
                    submission.flags.append(f"{len(files)} files in one Moodle submission")
            continue
        submission = Submission(entry, entry.name)
        canvas = CANVAS_FILE.match(entry.name)
        if canvas and canvas["attachment"]:
            submission.platform_id, submission.platform_name = canvas["id"], canvas["name"]
            submission.late_marker = bool(canvas["late"])
        submissions.append(submission)
    return Batch(submissions, skipped, unpacked)


# ---------------------------------------------------------------- the roster

ROSTER_FIELDS = ("match", "student_id", "name", "email")


@dataclass(frozen=True)
class Student:
    match: str  # a platform user id, the name the platform writes, or a file pattern with * or ?
    student_id: str
    name: str
    email: str
    extra: tuple[tuple[str, str], ...] = ()  # further columns (e.g. Canvas's ID, SIS Login ID, Section)


def load_roster(path: Path) -> list[Student]:
    """The roster CSV: a ``match`` column and ``student_id``, ``name``, ``email`` (any may be blank,
    not all); other columns are kept for the platform formats. Errors name the row and field."""
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.DictReader(handle)
            header = reader.fieldnames or []
            missing = [f for f in ROSTER_FIELDS if f not in header]
            if missing:
                raise GradingError(
                    f"{path}: the roster needs the columns {', '.join(ROSTER_FIELDS)}; missing {', '.join(missing)}"
                )
            students = []
            for number, record in enumerate(reader, start=2):
                if not (record.get("match") or "").strip():
                    raise GradingError(
                        f"{path}, row {number}, field match: empty (a user id, a name or a file pattern)"
                    )
                if not any((record.get(f) or "").strip() for f in ("student_id", "name", "email")):
                    raise GradingError(f"{path}, row {number}: student_id, name and email are all empty")
                extra = tuple((k, (v or "").strip()) for k, v in record.items() if k not in ROSTER_FIELDS and k)
                students.append(
                    Student(*((record.get(f) or "").strip() for f in ROSTER_FIELDS), extra=extra)  # type: ignore[arg-type]
                )
    except OSError as error:
        raise GradingError(f"{path}: cannot read the roster ({error})") from None
    return students


def _matches(student: Student, submission: Submission) -> bool:
    pattern = student.match
    if any(ch in pattern for ch in "*?["):
        return fnmatch.fnmatch(submission.file, pattern) or fnmatch.fnmatch(submission.path.name, pattern)
    if submission.platform_id and pattern == submission.platform_id:
        return True
    if submission.platform_name and pattern.casefold() == submission.platform_name.casefold():
        return True
    return pattern in (submission.file, submission.path.name, submission.path.stem)


def attach_roster(submissions: list[Submission], roster: list[Student]) -> list[Student]:
    """Name each submission's student from the roster; return the roster students with no submission."""
    found: set[Student] = set()
    for submission in submissions:
        owners = [s for s in roster if _matches(s, submission)]
        if not owners:
            submission.flags.append("not on the roster")
            continue
        if len(owners) > 1:
            submission.flags.append(f"matches {len(owners)} roster rows; the first is used")
        owner = owners[0]
        found.add(owner)
        submission.student_id, submission.name, submission.email = owner.student_id, owner.name, owner.email
        submission.extra = dict(owner.extra)
    return [s for s in roster if s not in found]


# ---------------------------------------------------------------- lateness


def parse_deadline(text: str) -> datetime:
    """An ISO date and time (``2026-12-01T23:59``, with or without an offset; local time if none)."""
    try:
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise GradingError(
            f"--deadline {text!r}: give a date and time such as 2026-12-01T23:59 or 2026-12-01T23:59+05:00"
        ) from None
    return moment if moment.tzinfo else moment.astimezone()


def submitted_at(submission: Submission) -> datetime:
    return datetime.fromtimestamp(submission.path.stat().st_mtime, tz=UTC)


def late(submission: Submission, deadline: datetime | None) -> str:
    """``yes`` when Canvas marked the file LATE or its time is after the deadline, else ``no``;
    blank when there is no deadline and no mark."""
    if submission.late_marker:
        return "yes"
    if deadline is None:
        return ""
    return "yes" if submitted_at(submission) > deadline else "no"


# ---------------------------------------------------------------- the batch and its outputs


@dataclass
class Report:
    rows: list[Row]
    submissions: list[Submission]
    missing: list[Student]
    skipped: list[str]
    questions: list[Question]
    outputs: dict[str, Path]


def _duplicates(rows: list[Row], submissions: list[Submission]) -> None:
    by_digest: dict[str, list[Submission]] = {}
    for row, submission in zip(rows, submissions, strict=True):
        if row.status != "invalid":
            by_digest.setdefault(row.digest, []).append(submission)
    for group in by_digest.values():
        if len(group) > 1:
            for submission in group:
                others = ", ".join(s.file for s in group if s is not submission)
                submission.flags.append(f"identical to {others}")


def grade(
    autograder: Path,
    submissions: Path,
    out: Path,
    *,
    jobs: int = 2,
    timeout: float = 120.0,
    roster: Path | None = None,
    format: str = "plain",
    deadline: str | None = None,
    only: list[str] | None = None,
    title: str | None = None,
    progress_callback=None,
) -> Report:
    """Grade every submission into the gradebook ``out`` (in ``format``), write a feedback file per
    submission into ``<out's stem>-feedback/`` and the full record into ``<out's stem>.json``.

    ``only`` regrades just those files (as the gradebook names them) and keeps every other row of
    the last run's record. Finished rows survive an interruption (``<out>.progress.jsonl``).
    """
    if format not in FORMATS:
        raise GradingError(f"--format {format!r}: choose one of {', '.join(FORMATS)}")
    out = Path(out)
    key = load_key(Path(autograder))
    questions = key.questions
    moment = parse_deadline(deadline) if deadline else None
    batch = find_submissions(Path(submissions))
    try:
        students = load_roster(roster) if roster else []
        missing = attach_roster(batch.submissions, students) if roster else []
        record_file = out.with_suffix(".json")
        known: dict[tuple[str, str], Row] = {}
        if only:
            names = {s.file for s in batch.submissions}
            unknown = [name for name in only if name not in names]
            if unknown:
                raise GradingError(
                    f"--only: no submission named {', '.join(unknown)} (names as in the gradebook's file column)"
                )
            if not record_file.is_file():
                raise GradingError(
                    f"--only needs the record of a full run ({record_file}); grade the whole class first"
                )
            previous = json.loads(record_file.read_text(encoding="utf-8"))
            for entry in previous.get("rows", []):
                row = Row(**entry)
                if row.file not in only:
                    known[(row.file, row.digest)] = row
        progress = out.with_name(out.name + ".progress.jsonl")
        rows = grade_files(
            questions,
            [(s.path, s.file) for s in batch.submissions],
            progress,
            known=known,
            jobs=jobs,
            timeout=timeout,
            progress_callback=progress_callback,
        )
        _duplicates(rows, batch.submissions)
        for row, submission in zip(rows, batch.submissions, strict=True):
            row.flags = list(dict.fromkeys([*row.flags, *submission.flags]))
            if not roster:  # without a roster, the name and ID the student wrote in the notebook
                submission.name = submission.name or row.declared.get("student_name", "")
                submission.student_id = submission.student_id or row.declared.get("student_id", "")
        name = title or key.name
        outputs = {"gradebook": out, "record": record_file}
        writers = {"plain": write_plain, "canvas": write_canvas, "moodle": write_moodle}
        _atomic(out, lambda handle: writers[format](handle, rows, batch.submissions, missing, questions, moment, name))
        feedback = out.with_name(out.stem + "-feedback")
        write_feedback(feedback, rows, batch.submissions, questions, name)
        outputs["feedback"] = feedback
        record = {
            "assignment": name,
            "questions": [{"name": q.name, "variable": q.variable, "points": q.points} for q in questions],
            "rows": [row.as_record() for row in rows],
            "skipped": batch.skipped,
        }
        record_file.write_text(json.dumps(record, ensure_ascii=False, indent=1), encoding="utf-8")
        progress.unlink(missing_ok=True)
    finally:
        if batch.unpacked:
            shutil.rmtree(batch.unpacked, ignore_errors=True)
    return Report(rows, batch.submissions, missing, batch.skipped, questions, outputs)


def _atomic(path: Path, write) -> None:
    temporary = path.with_name(path.name + ".tmp")
    with temporary.open("w", newline="", encoding="utf-8") as handle:
        write(handle)
    temporary.replace(path)


def _points(value: float) -> str:
    return f"{round(value, 4):g}"


def write_plain(handle, rows, submissions, missing, questions, deadline, title) -> None:
    """Every file, every question: for the teacher. No pseudo-rows; ``possible`` is a column."""
    writer = csv.writer(handle, lineterminator="\n")
    possible = _points(sum(q.points for q in questions))
    writer.writerow(
        [
            "file",
            "student_id",
            "name",
            "email",
            "status",
            *(q.name for q in questions),
            "total",
            "possible",
            "late",
            "flags",
            "message",
        ]
    )
    for row, submission in sorted(zip(rows, submissions, strict=True), key=lambda pair: pair[0].file):
        writer.writerow(
            [
                row.file,
                submission.student_id,
                submission.name or submission.platform_name,
                submission.email,
                row.status,
                *(_points(row.scores.get(q.name, 0.0)) for q in questions),
                _points(row.total),
                possible,
                late(submission, deadline),
                "; ".join(row.flags),
                row.message,
            ]
        )
    for student in missing:
        writer.writerow(
            [
                "",
                student.student_id,
                student.name,
                student.email,
                "missing",
                *("" for _ in questions),
                "",
                possible,
                "",
                "",
                "no submission",
            ]
        )


def _best_by_student(rows, submissions):
    """One (row, submission) per student: the highest total when a student handed in several files."""
    best: dict[str, tuple[Row, Submission]] = {}
    for row, submission in zip(rows, submissions, strict=True):
        who = submission.student_id or submission.email or submission.platform_id or row.file
        if who not in best or row.total > best[who][0].total:
            best[who] = (row, submission)
    return sorted(best.values(), key=lambda pair: pair[0].file)


def write_canvas(handle, rows, submissions, missing, questions, deadline, title) -> None:
    """Canvas's gradebook import: Student, ID, SIS User ID, SIS Login ID, Section, then one
    assignment column (``Title`` or ``Title (assignment id)``), and the optional Points Possible row.
    Only the total goes in: any further column would become a new assignment in Canvas."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(["Student", "ID", "SIS User ID", "SIS Login ID", "Section", title])
    writer.writerow(["Points Possible", "", "", "", "", _points(sum(q.points for q in questions))])
    for row, submission in _best_by_student(rows, submissions):
        extra = submission.extra
        writer.writerow(
            [
                submission.name or submission.platform_name or Path(row.file).stem,
                extra.get("ID") or submission.platform_id,
                extra.get("SIS User ID") or submission.student_id,
                extra.get("SIS Login ID") or submission.email,
                extra.get("Section", ""),
                _points(row.total),
            ]
        )


def write_moodle(handle, rows, submissions, missing, questions, deadline, title) -> None:
    """Moodle's offline grading worksheet (Identifier ``Participant <n>``, Grade, Last modified
    (grade), Feedback comments; other columns are ignored there), which the gradebook's CSV
    import also reads, mapping ``Email address`` to the user and ``Grade`` to the grade item."""
    writer = csv.writer(handle, lineterminator="\n")
    writer.writerow(
        [
            "Identifier",
            "Full name",
            "Email address",
            "Grade",
            "Maximum Grade",
            "Last modified (grade)",
            "Feedback comments",
        ]
    )
    now = datetime.now().strftime("%Y-%m-%d %H:%M")
    possible = _points(sum(q.points for q in questions))
    for row, submission in _best_by_student(rows, submissions):
        writer.writerow(
            [
                f"Participant {submission.platform_id}" if submission.platform_id else "",
                submission.name or submission.platform_name,
                submission.email,
                _points(row.total),
                possible,
                now,
                row.message,
            ]
        )


# ---------------------------------------------------------------- feedback for each student


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9._-]+", "-", text).strip("-") or "submission"


def feedback_markdown(row: Row, submission: Submission, questions: list[Question], title: str) -> str:
    possible = sum(q.points for q in questions)
    who = submission.name or submission.platform_name or submission.student_id or row.file
    lines = [f"# {title}: feedback for {who}", "", f"File: `{row.file}`", ""]
    if row.status == "invalid":
        lines += [f"This file could not be graded: {row.message}.", ""]
    else:
        lines += [f"**Score: {_points(row.total)} of {_points(possible)} points.**", ""]
        if row.status in ("timeout", "stopped"):
            lines += [f"Note: {row.message}.", ""]
        lines += ["| Question | Points | Feedback |", "|---|---|---|"]
        for q in questions:
            message = row.feedback.get(q.name, "").replace("|", "\\|").replace("\n", " ")
            lines.append(f"| {q.number} | {_points(row.scores.get(q.name, 0.0))} of {_points(q.points)} | {message} |")
        if row.cell_errors:
            lines += ["", "Cells that raised an error when your notebook was run from the top:", ""]
            lines += [f"- {error}" for error in row.cell_errors]
    return "\n".join(lines) + "\n"


def write_feedback(folder: Path, rows, submissions, questions, title) -> None:
    """One Markdown file per submission, named after the student (or the file), for the teacher to send."""
    folder.mkdir(parents=True, exist_ok=True)
    used: set[str] = set()
    for row, submission in zip(rows, submissions, strict=True):
        stem = _slug(submission.student_id or submission.name or submission.platform_name or Path(row.file).stem)
        name, n = stem, 1
        while name in used:
            n += 1
            name = f"{stem}-{n}"
        used.add(name)
        (folder / f"{name}.md").write_text(feedback_markdown(row, submission, questions, title), encoding="utf-8")
