"""Quizzes from mdbook-quiz TOML files, graded as assignments.

`model` reads a quiz file into typed questions (or refuses it, naming the
file, the question and why); `markdown` turns a prompt into notebook
Markdown; `build` writes the nbgrader source notebook and the grader package;
`answers` checks one answer read from the student process, as plain data,
against the key. `autograder quiz import FILE.toml... --name NAME` runs it."""
