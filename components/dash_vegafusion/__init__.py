"""Dash host for vegafusion-suite. The component arrives with the host-components issue."""
