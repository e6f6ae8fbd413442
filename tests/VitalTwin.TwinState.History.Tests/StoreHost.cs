using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace VitalTwin.TwinState.History.Tests;

/// <summary>A container wired the way a service wires it: <c>AddVitalsHistory</c> over configuration.</summary>
internal sealed class StoreHost : IDisposable
{
    private readonly ServiceProvider _services;

    public StoreHost(IDictionary<string, string?> settings)
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(settings).Build();
        _services = new ServiceCollection()
            .AddLogging()
            .AddVitalsHistory(configuration)
            .BuildServiceProvider(new ServiceProviderOptions { ValidateOnBuild = true, ValidateScopes = true });
        Store = _services.GetRequiredService<IVitalsStore>();
    }

    public IVitalsStore Store { get; }

    public void Dispose() => _services.Dispose();
}

internal static class Vitals
{
    public const string HeartRate = "8867-4";
    public const string RespiratoryRate = "9279-1";
    public const string SpO2 = "59408-5";

    public static readonly DateTimeOffset Start = new(2025, 3, 1, 10, 0, 0, TimeSpan.Zero);

    /// <summary>A patient id no other test uses, so tests can share one database.</summary>
    public static string NewPatient() => $"patient-{Guid.NewGuid():N}";

    public static List<VitalPoint> Series(string patient, string loinc, int count, TimeSpan every, Func<int, double> value, string device = "monitor-1", DateTimeOffset? start = null) =>
        Enumerable.Range(0, count)
            .Select(i => new VitalPoint(patient, loinc, value(i), "/min", (start ?? Start) + (every * i), device))
            .ToList();

    public static HistoryQuery Raw(string patient, params string[] loincs) =>
        new(patient, loincs, Start.AddDays(-1), Start.AddDays(1), null);
}
