"""An independent verifier of an exported contest history (docs/AUDIT.md "Two verifiers").

Written from docs/AUDIT.md and RULES.md only; standard library only; shares no code with the service.
"""

__all__ = ["__version__"]
__version__ = "1"
