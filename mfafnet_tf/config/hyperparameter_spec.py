"""One searchable hyperparameter in the ``tune.space`` section."""

import dataclasses
from typing import Any, Optional


@dataclasses.dataclass
class HyperparameterSpec:
    """A choice among ``values`` or a numeric range ``[min, max]``.

    Attributes:
        values: Candidate values (a choice); may be lists, e.g. per-level ratios.
        min: Lower bound of a numeric range (used when ``values`` is ``None``).
        max: Upper bound of a numeric range.
        sampling: ``linear`` or ``log`` for ranges.
        default: The value used when the hyperparameter is not searched and the
            tuner's first guess.
        search: ``False`` pins the hyperparameter to ``default``.
    """

    values: Optional[list[Any]] = None
    min: Optional[float] = None
    max: Optional[float] = None
    sampling: str = "linear"
    default: Any = None
    search: bool = True
