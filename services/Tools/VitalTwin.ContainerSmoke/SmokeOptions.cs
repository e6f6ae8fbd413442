using System.Globalization;
using Microsoft.Extensions.Configuration;

namespace VitalTwin.ContainerSmoke;

/// <summary>
/// --images=&lt;prefix&gt; (default localhost/vitaltwin), --tag=&lt;tag&gt; (default local), --runtime=&lt;OCI runtime&gt;,
/// --grace=&lt;seconds&gt; podman stop waits before SIGKILL (default 30), --timeout=&lt;seconds&gt; for each wait (default 120).
/// </summary>
internal sealed record SmokeOptions(string Images, string Tag, string? Runtime, TimeSpan Grace, TimeSpan Timeout)
{
    public static SmokeOptions Parse(string[] args)
    {
        var settings = new ConfigurationBuilder().AddCommandLine(args).Build();
        return new SmokeOptions(
            settings["images"] ?? "localhost/vitaltwin",
            settings["tag"] ?? "local",
            settings["runtime"],
            TimeSpan.FromSeconds(double.Parse(settings["grace"] ?? "30", CultureInfo.InvariantCulture)),
            TimeSpan.FromSeconds(double.Parse(settings["timeout"] ?? "120", CultureInfo.InvariantCulture)));
    }
}
