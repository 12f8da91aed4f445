"""Field alignment: map a supplier's ERP export onto the alliance dictionary."""
