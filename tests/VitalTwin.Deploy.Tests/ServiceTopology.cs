using System.Diagnostics;
using System.Reflection;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using VitalTwin.Kafka;

namespace VitalTwin.Deploy.Tests;

/// <summary>
/// A service's Kafka topology as its Program registers it, with its own appsettings.json: Program runs up to the
/// moment its host is built and is stopped there (as WebApplicationFactory and the EF tools do), so nothing
/// connects, starts or listens.
/// </summary>
internal sealed record ServiceTopology(string Service, string GroupId, KafkaTopology Topology)
{
    /// <summary>The services that talk Kafka, in the order data flows through them.</summary>
    public static IReadOnlyList<ServiceTopology> All { get; } =
        new[] { "Gateway", "TwinState", "AnomalyDetection", "Notification" }.Select(folder => Of(new DeployableService(folder))).ToList();

    private static ServiceTopology Of(DeployableService service)
    {
        var entryPoint = Assembly.Load(service.AssemblyName).EntryPoint ?? throw new InvalidOperationException($"{service.AssemblyName} has no entry point.");
        using var capture = new BuiltHostCapture();
        try
        {
            entryPoint.Invoke(null, [new[] { "--applicationName", service.AssemblyName, "--contentRoot", service.ProjectDirectory, "--environment", "Production" }]);
        }
        catch (TargetInvocationException ex) when (ex.InnerException is BuiltHostCapture.Stop)
        {
        }
        using var host = capture.Host ?? throw new InvalidOperationException($"{service.AssemblyName}'s Program built no host.");
        var configuration = host.Services.GetRequiredService<IConfiguration>();
        var groupId = configuration[$"{KafkaOptions.SectionName}:{nameof(KafkaOptions.GroupId)}"] ?? service.AssemblyName;
        return new ServiceTopology(service.Folder, groupId, host.Services.GetRequiredService<IOptions<KafkaTopology>>().Value);
    }

    /// <summary>Takes the host that the hosting library announces as built on this thread, and stops its Program there.</summary>
    private sealed class BuiltHostCapture : IObserver<DiagnosticListener>, IObserver<KeyValuePair<string, object?>>, IDisposable
    {
        private readonly int _thread = Environment.CurrentManagedThreadId;
        private readonly List<IDisposable> _subscriptions = [];

        public BuiltHostCapture() => _subscriptions.Add(DiagnosticListener.AllListeners.Subscribe(this));

        public IHost? Host { get; private set; }

        public void OnNext(DiagnosticListener listener)
        {
            if (listener.Name == "Microsoft.Extensions.Hosting")
            {
                _subscriptions.Add(listener.Subscribe(this));
            }
        }

        public void OnNext(KeyValuePair<string, object?> hostEvent)
        {
            if (hostEvent is { Key: "HostBuilt", Value: IHost host } && Environment.CurrentManagedThreadId == _thread && Host is null)
            {
                Host = host;
                throw new Stop();
            }
        }

        public void OnCompleted()
        {
        }

        public void OnError(Exception error)
        {
        }

        public void Dispose() => _subscriptions.ForEach(subscription => subscription.Dispose());

        public sealed class Stop : Exception;
    }
}
