"""Reports (placeholder until the report module lands)."""
def write_report(run_dir):
    return None
