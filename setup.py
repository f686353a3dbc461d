"""What pyproject.toml cannot say: the lessons in scenarios/ ship inside the package.

The repository's top-level ``scenarios/`` stays the one copy people edit. Mapping it as the
package ``bpstep.scenarios`` makes setuptools put the same files in the sdist and in the wheel
(``bpstep/scenarios/*.yaml``) with no copy step to keep in step and no second copy checked in;
an editable install or a plain checkout reads ``scenarios/`` itself (``bpstep.lessons.folder``).
"""

from setuptools import find_packages, setup

setup(
    packages=[*find_packages(include=["bpstep", "bpstep.*"]), "bpstep.scenarios"],
    package_dir={"bpstep.scenarios": "scenarios"},
    package_data={"bpstep.scenarios": ["*.yaml"], "bpstep.export": ["*.js", "*.html"]},
)
