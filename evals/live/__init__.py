"""Live evaluation: rules (services.py), matching new writes to them and running the jobs (jobs.py, actors.py),
what a rule page shows (selectors.py) and how well a judge agrees with humans (calibration.py)."""
