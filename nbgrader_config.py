# nbgrader configuration: this repository is the nbgrader course directory.
# `solutions/` holds the instructor (source) notebooks and `assignments/` the
# student versions that `nbgrader generate_assignment` makes from them.
import os

c = get_config()  # noqa: F821 (provided by nbgrader when it loads this file)

c.CourseDirectory.root = os.path.dirname(os.path.abspath(__file__))
c.CourseDirectory.course_id = os.environ.get("AUTOGRADER_COURSE_ID", "autodiff")
c.CourseDirectory.source_directory = "solutions"
c.CourseDirectory.release_directory = "assignments"

# Stubs fail loudly and say what to do.
c.ClearSolutions.code_stub = {
    "python": '# YOUR CODE HERE\nraise NotImplementedError("not written yet: replace this line with your code")'
}

# The exchange folder students fetch from and submit to. Set NBGRADER_EXCHANGE
# to use another one (the demo and the tests use a temporary folder).
c.Exchange.root = os.environ.get("NBGRADER_EXCHANGE", "/srv/nbgrader/exchange")
