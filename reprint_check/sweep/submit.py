"""The script ``spark-submit`` runs: the command line, unchanged.

``spark-submit [Spark options] …/reprint_check/sweep/submit.py sweep MANIFEST --engine spark …``
(``python -c "import reprint_check.sweep.submit as s; print(s.__file__)"`` prints
the path). Under spark-submit the session takes its master and resources from
spark-submit's options.
"""

from reprint_check.cli import run

if __name__ == "__main__":
    run()
