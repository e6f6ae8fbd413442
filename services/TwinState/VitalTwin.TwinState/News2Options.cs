using System.ComponentModel.DataAnnotations;
using VitalTwin.TwinState.Core;

namespace VitalTwin.TwinState;

/// <summary>How the twin scores NEWS2 on a continuous stream (see <see cref="TwinSettings"/> for why). Bound from <c>News2</c>.</summary>
internal sealed class News2Options
{
    public const string SectionName = "News2";

    /// <summary>Each vital is scored on the median of its readings in this window.</summary>
    [Range(typeof(TimeSpan), "00:00:01", "01:00:00")]
    public TimeSpan Window { get; set; } = TwinSettings.Default.News2Window;

    /// <summary>Most readings of a vital in the window; 1 scores the newest reading alone.</summary>
    [Range(1, 1024)]
    public int WindowReadings { get; set; } = TwinSettings.Default.News2WindowReadings;

    /// <summary>How long a new NEWS2 risk band must hold before it counts; zero counts it at once.</summary>
    [Range(typeof(TimeSpan), "00:00:00", "01:00:00")]
    public TimeSpan Hold { get; set; } = TwinSettings.Default.News2Hold;

    /// <summary>Fewest readings the window reaches back to for a sparsely sampled vital, within <see cref="WindowMaxAge"/>.</summary>
    [Range(1, 1024)]
    public int WindowMinReadings { get; set; } = TwinSettings.Default.News2WindowMinReadings;

    [Range(typeof(TimeSpan), "00:00:01", "1.00:00:00")]
    public TimeSpan WindowMaxAge { get; set; } = TwinSettings.Default.News2WindowMaxAge;

    /// <summary>These settings on top of <paramref name="settings"/>.</summary>
    public TwinSettings ApplyTo(TwinSettings settings) => settings with
    {
        News2Window = Window,
        News2WindowReadings = WindowReadings,
        News2WindowMinReadings = WindowMinReadings,
        News2WindowMaxAge = WindowMaxAge,
        News2Hold = Hold,
    };
}
