"""A trace's observations as tree rows with waterfall bars, and the time axis above them."""

from aistrale import display
from observability import selectors
from observability.admin.payloads import payload_text, payload_view
from observability.models import Observation, seconds_between


def time_axis(span: float) -> list[dict]:
    return [{"left": percent, "label": display.duration(span * percent / 100)} for percent in (0, 25, 50, 75)]


def waterfall(observations: list[Observation], media=None) -> tuple[list[dict], float]:
    """Tree rows with bar offsets and widths in percent of the observations' time span, and that span.

    media: the page's MediaRenderer, for the media the observations' payloads reference.
    """
    if not observations:
        return [], 0.0
    start = min(o.start_time for o in observations)
    end = max(o.end_time or o.start_time for o in observations)
    span = max((end - start).total_seconds(), 1e-6)
    rows = []
    for observation, depth in selectors.observation_tree(observations):
        duration = seconds_between(observation.start_time, observation.end_time)
        offset = (observation.start_time - start).total_seconds() / span * 100
        rows.append(
            {
                "observation": observation,
                "depth": depth,
                "indent": depth * 16,
                "offset": f"{min(offset, 99.5):.3f}",
                "width": f"{max(min((duration or 0) / span * 100, 100 - offset), 0.5):.3f}",
                "duration": display.duration(duration),
                "ttft": display.duration(seconds_between(observation.start_time, observation.completion_start_time)),
                "cost": display.money(observation.total_cost),
                "input": payload_view(observation.input, media),
                "output": payload_view(observation.output, media),
                "metadata": payload_text(observation.metadata),
                "metadata_media": media(observation.metadata) if media is not None else [],
                "model_parameters": payload_text(observation.model_parameters),
                "usage": observation.usage_details or {},
                "cost_details": observation.cost_details or {},
            }
        )
    return rows, span
