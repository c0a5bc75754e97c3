"""The demo's history: three years of visits, orders and invoices, reproducible per seed.

This module only re-exports; the code lives in three modules:

- `history_rows`: the demo salon's catalogue and one customer's history as plain rows;
- `history_generator`: `HistoryGenerator` and `history_scale`, which draw those rows
  without Django;
- `history_load`: the plan (`history_plan_create`) and `history_insert`, which writes a
  batch of histories and their figures (RawInsert, COPY on PostgreSQL).
"""

from regulars.demo.history_generator import (
    CALIBRATION_ROWS,
    CENT,
    DEFAULT_PER_CUSTOMER,
    HABITS,
    HALF,
    HISTORY_DAYS,
    ORDER_METHODS,
    PAYMENT_METHODS,
    HistoryGenerator,
    history_scale,
)
from regulars.demo.history_load import (
    HISTORY_TABLES,
    HistoryPlan,
    analyze_history,
    figures_store,
    history_insert,
    history_plan_create,
)
from regulars.demo.history_rows import (
    PRODUCTS,
    SERVICES,
    ZERO,
    CustomerHistory,
    InvoiceRow,
    OrderRow,
    VisitRow,
)

__all__ = [
    "CALIBRATION_ROWS",
    "CENT",
    "DEFAULT_PER_CUSTOMER",
    "HABITS",
    "HALF",
    "HISTORY_DAYS",
    "HISTORY_TABLES",
    "ORDER_METHODS",
    "PAYMENT_METHODS",
    "PRODUCTS",
    "SERVICES",
    "ZERO",
    "CustomerHistory",
    "HistoryGenerator",
    "HistoryPlan",
    "InvoiceRow",
    "OrderRow",
    "VisitRow",
    "analyze_history",
    "figures_store",
    "history_insert",
    "history_plan_create",
    "history_scale",
]
