namespace VitalTwin.Nab.Scoring;

/// <summary>
/// What detecting one row would add to its file's score. Inside a window (<see cref="Window"/> ≥ 0) it is the weighted
/// true-positive score, of which only the best per window counts; outside (<see cref="Window"/> = −1) it is the
/// false-positive penalty, and every one counts. Rows of the probationary period are not <see cref="Scored"/>.
/// </summary>
public readonly record struct RowCredit(bool Scored, int Window, double Score);
