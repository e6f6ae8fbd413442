using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Detection;

namespace VitalTwin.AnomalyDetection.Tests;

public class WarmUpTests
{
    [Fact]
    public void A_change_point_detector_raises_nothing_until_it_has_seen_twice_its_window()
    {
        var spec = new DetectorSpec { Type = DetectorType.IidChangePoint, Confidence = 95, WindowSize = 20, Martingale = MartingaleType.Mixture };
        var monitor = new VitalMonitor(VitalSign.HeartRate, [spec], new ArtifactRules());
        var raw = spec.Create() as IidChangePointDetector;
        // A shift right after the start: the bare detector alerts on it while its window is still filling.
        var series = Enumerable.Range(0, 120).Select(i => (i < 25 ? 70.0 : 95.0) + (i % 3)).ToArray();
        var rawAlerts = new List<int>();
        var monitorAlerts = new List<int>();
        var at = new DateTimeOffset(2025, 3, 1, 8, 0, 0, TimeSpan.Zero);

        for (var i = 0; i < series.Length; i++)
        {
            if (raw!.Update((float)series[i]).Alert)
            {
                rawAlerts.Add(i);
            }
            if (monitor.Observe(series[i], at.AddSeconds(i), deviceFlaggedArtifact: false).Findings.Count > 0)
            {
                monitorAlerts.Add(i);
            }
        }

        Assert.Contains(rawAlerts, i => i < 40);
        Assert.DoesNotContain(monitorAlerts, i => i < 40);
        Assert.Equal(rawAlerts.Where(i => i >= 40), monitorAlerts);
    }
}
