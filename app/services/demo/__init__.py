"""Builders of the demo data that app.services.demo_seed loads: reference data, the office, the business."""
