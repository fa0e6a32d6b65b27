"""Small steps that several browser journeys take."""


def fill_date(page, group, day):
    """Fill the GOV.UK date input whose fieldset is labelled `group`."""
    box = page.get_by_role("group", name=group, exact=True)
    box.get_by_label("Day").fill(str(day.day))
    box.get_by_label("Month").fill(str(day.month))
    box.get_by_label("Year").fill(str(day.year))
