"""Results and how they are shown: the pydantic models, the one console, the rich report, the
exports (CSV, Gradescope, JUnit), the HTML report and class statistics. Every output renders the
same models."""
