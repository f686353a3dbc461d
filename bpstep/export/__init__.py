"""Traces written out for other programs and for publishing: JSON, Markdown, LaTeX, HTML, SVG."""
