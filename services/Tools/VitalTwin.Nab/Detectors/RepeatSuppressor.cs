namespace VitalTwin.Nab.Detectors;

/// <summary>
/// Keeps an anomaly score only when it exceeds every score of the previous R rows and replaces it with 0 otherwise,
/// so that one event — a spike and the step back from it, a burst, the rows after a level shift — is reported once.
/// NAB credits only the earliest detection in a window and charges for every later one outside it. The rule needs
/// no threshold: whatever threshold is later chosen, a reported row is the first of its run to reach that height.
/// </summary>
public sealed class RepeatSuppressor
{
    private readonly double[] _recent;
    private int _count;
    private int _next;

    /// <param name="window">R, the rows a score is compared with; 0 passes every score through.</param>
    public RepeatSuppressor(int window)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(window);
        _recent = new double[window];
    }

    public double Filter(double score)
    {
        bool exceeds = true;
        for (int i = 0; i < _count && exceeds; i++)
        {
            exceeds = score > _recent[i];
        }

        if (_recent.Length > 0)
        {
            _recent[_next] = score;
            _next = (_next + 1) % _recent.Length;
            _count = Math.Min(_count + 1, _recent.Length);
        }

        return exceeds ? score : 0;
    }
}
