"""Student ids that nbgrader's formgrader can show.

nbgrader's formgrade template (nbgrader 0.9) writes the student id into the
page unescaped: as text in its navigation bar and inside a `data-link="..."`
attribute (the path of autograded/<student>/...). A submitted/ folder named
`"><img src=x onerror=alert(1)>` would be script in the instructor's session
once the id is in nbgrader's gradebook. Such an id is graded (our own pages
escape it) but must not be recorded in the gradebook: `unsafe_student_id`
says why. Ids of JupyterHub users and of nbgrader's exchange never hold these
characters.
"""
from __future__ import annotations

import unicodedata

# HTML and JavaScript syntax in the contexts the template writes the id into (text, a quoted attribute, a URL).
SYNTAX = frozenset("<>&\"'`=\\/")
MAX_ID_CHARS = 200


def unsafe_student_id(student: str) -> str | None:
    """Why nbgrader's formgrader must not be given this student id, or None when it may."""
    if not student or len(student) > MAX_ID_CHARS:
        return f"a student id of {len(student)} characters"
    found = sorted({c for c in student if c in SYNTAX})
    if found:
        return f"the student id holds {' '.join(found)}, which nbgrader's formgrader would write into its page as HTML"
    if any(unicodedata.category(c)[0] in "CZ" and c != " " for c in student):
        return "the student id holds control or separator characters"
    return None
