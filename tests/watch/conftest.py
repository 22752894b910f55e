"""The course-style scripts under scripts/ are run by the tests as programs, never imported."""

collect_ignore = ["scripts"]
