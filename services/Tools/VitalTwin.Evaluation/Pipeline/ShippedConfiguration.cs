using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using VitalTwin.AnomalyDetection.Core;
using VitalTwin.Clinical;
using VitalTwin.Notification.Core;
using VitalTwin.TwinState.Core;

namespace VitalTwin.Evaluation.Pipeline;

/// <summary>
/// The configuration the services ship with: their options classes bound from their own appsettings.json (copied
/// beside this tool at build time) and validated the way their hosts validate them at start.
/// </summary>
/// <param name="StalenessCheckInterval">TwinState's event-time grid on which each partition's twins have their clocks moved.</param>
/// <param name="PolicyTick">Notification's event-time grid on which each partition's clear times and quiet periods run out.</param>
public sealed record ShippedConfiguration(
    DetectionOptions Detection,
    AlertPolicyOptions Policy,
    TwinSettings Twin,
    TimeSpan StalenessCheckInterval,
    TimeSpan PolicyTick)
{
    // TwinState's TwinQueryOptions.StalenessCheckInterval default, used when its appsettings.json leaves it out.
    private static readonly TimeSpan DefaultStalenessCheckInterval = TimeSpan.FromSeconds(15);

    // Notification's AlertClockOptions.Tick default, used when its appsettings.json leaves it out.
    private static readonly TimeSpan DefaultPolicyTick = TimeSpan.FromSeconds(1);

    /// <param name="directory">Where the services' appsettings.json files are; by default the "shipped" folder beside the tool.</param>
    /// <exception cref="OptionsValidationException">A shipped setting is out of range.</exception>
    public static ShippedConfiguration Load(string? directory = null)
    {
        directory ??= Path.Combine(AppContext.BaseDirectory, "shipped");
        var detection = Bind<DetectionOptions>(Path.Combine(directory, "AnomalyDetection.appsettings.json"), DetectionOptions.SectionName);
        var policy = Bind<AlertPolicyOptions>(Path.Combine(directory, "Notification.appsettings.json"), AlertPolicyOptions.SectionName);
        var notification = Read(Path.Combine(directory, "Notification.appsettings.json"));
        var twinState = Read(Path.Combine(directory, "TwinState.appsettings.json"));
        // The TwinState host runs TwinSettings.Default but for the staleness thresholds its Twin:StaleAfter section names.
        var staleAfter = twinState.GetSection("Twin:StaleAfter").Get<Dictionary<VitalSign, TimeSpan>>() ?? [];
        var staleTwin = staleAfter.Count == 0
            ? TwinSettings.Default
            : TwinSettings.Default with { StaleAfter = TwinSettings.Default.StaleAfter.Concat(staleAfter).GroupBy(t => t.Key).ToDictionary(g => g.Key, g => g.Last().Value) };
        // ... and for how it scores NEWS2, which its News2 section (News2Options) sets.
        var twin = staleTwin with
        {
            News2Window = twinState.GetValue("News2:Window", TwinSettings.Default.News2Window),
            News2WindowReadings = twinState.GetValue("News2:WindowReadings", TwinSettings.Default.News2WindowReadings),
            News2WindowMinReadings = twinState.GetValue("News2:WindowMinReadings", TwinSettings.Default.News2WindowMinReadings),
            News2WindowMaxAge = twinState.GetValue("News2:WindowMaxAge", TwinSettings.Default.News2WindowMaxAge),
            News2Hold = twinState.GetValue("News2:Hold", TwinSettings.Default.News2Hold),
        };
        twin.Validate();
        return new ShippedConfiguration(
            detection,
            policy,
            twin,
            twinState.GetValue("TwinQuery:StalenessCheckInterval", DefaultStalenessCheckInterval),
            notification.GetValue("AlertClock:Tick", DefaultPolicyTick));
    }

    private static IConfiguration Read(string file) =>
        File.Exists(file)
            ? new ConfigurationBuilder().AddJsonFile(file, optional: false).Build()
            : throw new FileNotFoundException($"The shipped configuration {file} is missing; build the tool so that it is copied beside it.", file);

    private static T Bind<T>(string file, string section)
        where T : class
    {
        var services = new ServiceCollection();
        services.AddSingleton(Read(file));
        services.AddOptions<T>().BindConfiguration(section).ValidateDataAnnotations();
        using var provider = services.BuildServiceProvider();
        return provider.GetRequiredService<IOptions<T>>().Value;
    }
}
