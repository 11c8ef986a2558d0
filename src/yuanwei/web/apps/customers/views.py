"""Customer pages (客户) are built on these published models by the workbench engineer; this app
owns the models and their publishing for now."""
