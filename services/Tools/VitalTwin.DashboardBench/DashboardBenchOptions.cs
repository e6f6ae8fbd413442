using System.ComponentModel.DataAnnotations;
using Microsoft.Extensions.Configuration;

namespace VitalTwin.DashboardBench;

/// <summary>The benchmark's command line: <c>--readings=400 --rate=20 --busy-seconds=60</c> and so on.</summary>
internal sealed class DashboardBenchOptions
{
    /// <summary>Loads of the 40-patient ward whose first render is timed; the first is a cold start of the dashboard.</summary>
    [Range(2, 50)] public int FirstRenderRuns { get; set; } = 6;

    /// <summary>Readings whose delay from the Gateway to the tile is measured, spread over the 40-patient ward.</summary>
    [Range(40, 2000)] public int Readings { get; set; } = 400;

    /// <summary>Readings a second while the delay is measured: one tile at a time changes, as on a calm ward.</summary>
    [Range(1, 200)] public int Rate { get; set; } = 20;

    /// <summary>How long the 200-patient ward is fed at 1 Hz per vital while the browser is measured.</summary>
    [Range(10, 3600)] public int BusySeconds { get; set; } = 60;

    /// <summary>The page kept up if every tile shows the last reading within this many seconds of its sending.</summary>
    [Range(1, 60)] public double KeptUpWithinSeconds { get; set; } = 3;

    public static DashboardBenchOptions Parse(string[] args)
    {
        var options = new ConfigurationBuilder()
            .AddCommandLine(args, new Dictionary<string, string>(StringComparer.Ordinal)
            {
                ["--first-render-runs"] = nameof(FirstRenderRuns),
                ["--readings"] = nameof(Readings),
                ["--rate"] = nameof(Rate),
                ["--busy-seconds"] = nameof(BusySeconds),
                ["--kept-up-within"] = nameof(KeptUpWithinSeconds),
            })
            .Build()
            .Get<DashboardBenchOptions>() ?? new DashboardBenchOptions();
        Validator.ValidateObject(options, new ValidationContext(options), validateAllProperties: true);
        return options;
    }
}
