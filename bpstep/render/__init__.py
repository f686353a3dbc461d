"""Rich renderables for stages, verdicts and training; the console factory; the --step loop."""
