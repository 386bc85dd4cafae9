"""``python -m reprint_check``: the command line, unchanged.

It is also the script ``spark-submit`` runs for a sweep on a cluster:
``spark-submit [Spark options] …/reprint_check/__main__.py sweep MANIFEST --engine spark …``
(``python -c "import reprint_check.__main__ as m; print(m.__file__)"`` prints the
path). Under spark-submit the session takes its master and resources from
spark-submit's options.
"""

from reprint_check.cli import run

if __name__ == "__main__":
    run()
