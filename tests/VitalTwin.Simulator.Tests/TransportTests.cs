using Grpc.Net.Client;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;
using VitalTwin.Contracts.Telemetry.V1;
using VitalTwin.DeviceTransports;
using VitalTwin.Simulator.Extensions;
using VitalTwin.Simulator.Streaming;
using Timestamp = Google.Protobuf.WellKnownTypes.Timestamp;

namespace VitalTwin.Simulator.Tests;

/// <summary>
/// The front door the simulated devices send through: chosen and checked on the command line, and the streams going
/// through it, with registrations naming its ingest system when it sends for the devices behind it.
/// </summary>
public sealed class TransportTests
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(60);

    [Theory]
    [InlineData(DeviceTransportKind.Grpc, "--transport=grpc")]
    [InlineData(DeviceTransportKind.Mqtt, "--transport=mqtt", "--mqtt=mqtt://127.0.0.1:1883")]
    [InlineData(DeviceTransportKind.Mqtt, "--transport=MQTT", "--mqtt=mqtts://gateway.example:8883")]
    [InlineData(DeviceTransportKind.Fhir, "--transport=fhir")]
    [InlineData(DeviceTransportKind.Hl7, "--transport", "hl7", "--hl7", "tcp://127.0.0.1:2575")]
    public void Each_transport_is_chosen_on_the_command_line_with_the_addresses_it_needs(DeviceTransportKind expected, params string[] args)
    {
        var options = Options(["--gateway", "http://127.0.0.1:5101", .. args]);

        Assert.Equal(expected, options.GetTransportKind());
        var addresses = options.GetGatewayAddresses();
        Assert.Equal(new Uri("http://127.0.0.1:5101"), addresses.Http);
        Assert.Equal(expected == DeviceTransportKind.Mqtt, addresses.Mqtt is not null);
        Assert.Equal(expected == DeviceTransportKind.Hl7 ? new Uri("tcp://127.0.0.1:2575") : null, addresses.Hl7);
    }

    [Theory]
    [InlineData("fhir", "http://127.0.0.1:5201/")]
    [InlineData("grpc", "http://127.0.0.1:5101/")]
    public void Fhir_goes_to_the_gateways_http_address_when_given_and_grpc_always_to_its_grpc_address(string transport, string expected)
    {
        var options = Options(["--gateway", "http://127.0.0.1:5101", "--http", "http://127.0.0.1:5201", "--transport", transport]);

        Assert.Equal(new Uri(expected), options.GetGatewayAddresses().Http);
        Assert.Equal("http://127.0.0.1:5101", options.GatewayUrl);
    }

    [Fact]
    public void Without_a_transport_the_devices_send_over_grpc()
    {
        var options = Options(["--gateway", "http://127.0.0.1:5101"]);

        Assert.Equal((DeviceTransportKind.Grpc, null, null), (options.GetTransportKind(), options.GetGatewayAddresses().Mqtt, options.GetGatewayAddresses().Hl7));
    }

    [Theory]
    [InlineData("'smtp' is not one of grpc, mqtt, fhir, hl7", "--transport=smtp")]
    [InlineData("'1' is not one of grpc, mqtt, fhir, hl7", "--transport=1")]
    [InlineData("The mqtt transport needs the Gateway's listener: give --mqtt=mqtt://host:port", "--transport=mqtt")]
    [InlineData("The hl7 transport needs the Gateway's listener: give --hl7=tcp://host:port", "--transport=hl7")]
    [InlineData("MqttUrl 'http://127.0.0.1:1883' is not of the form --mqtt=mqtt://host:port", "--transport=mqtt", "--mqtt=http://127.0.0.1:1883")]
    [InlineData("MqttUrl 'mqtt://127.0.0.1' is not of the form --mqtt=mqtt://host:port", "--transport=mqtt", "--mqtt=mqtt://127.0.0.1")]
    [InlineData("Hl7Url '127.0.0.1:2575' is not of the form --hl7=tcp://host:port", "--transport=hl7", "--hl7=127.0.0.1:2575")]
    public void A_transport_without_the_address_it_needs_or_with_a_malformed_one_fails_validation_saying_what_to_give(string problem, params string[] args)
    {
        using var host = Build(["--gateway", "http://127.0.0.1:5101", .. args]);

        var error = Assert.Throws<OptionsValidationException>(() => host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value);
        Assert.Contains(problem, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Registrations_name_the_ingest_system_of_a_transport_that_sends_for_the_devices_behind_it()
    {
        await using var gateway = await FakeGateway.StartAsync(TimeProvider.System);
        using var channel = GrpcChannel.ForAddress(gateway.Address);
        var asSystem = new SystemTransport(new GrpcDeviceTransport(channel), "ward-7-monitor-gateway");
        var link = new GatewayLink(asSystem, new DeviceRegistry.DeviceRegistryClient(channel), 4, TimeProvider.System, NullLogger.Instance);
        var observedAt = DateTimeOffset.UtcNow.AddMinutes(-1);

        await link.RegisterAsync("monitor-1", "patient-1", observedAt.AddMinutes(-1), CancellationToken.None);
        link.Enqueue(new VitalSignReading
        {
            DeviceId = "monitor-1",
            PatientId = "patient-1",
            SequenceNumber = 1,
            ObservedAt = Timestamp.FromDateTimeOffset(observedAt),
            Code = new VitalCode { Loinc = "8867-4" },
            Value = 72,
            Unit = "/min",
        });
        await link.FlushAsync(CancellationToken.None);

        Assert.Equal(["ward-7-monitor-gateway"], gateway.State.Registrations.Select(r => r.IngestSystem));
        Assert.Equal([("monitor-1", 1)], asSystem.Sends);
        Assert.Equal(new StreamTotals(1, 1, 0, 1), link.Totals);
    }

    [Fact]
    public async Task The_built_in_ward_streams_over_grpc_registering_its_monitors_for_themselves()
    {
        await using var gateway = await FakeGateway.StartAsync(TimeProvider.System);

        await using var simulator = SimulatorProcess.Start("--gateway", gateway.Address, "--transport", "grpc", "--patients", "2", "--deteriorating", "0", "--Simulator:RateHz", "20");
        // Two monitors, five vitals a tick each: a few ticks.
        try
        {
            await gateway.State.WaitForAcceptedAsync(40, Timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"the ward's readings did not arrive:\n{simulator.Output}");
        }

        var state = gateway.State;
        Assert.Equal(["sim-monitor-0001", "sim-monitor-0002"], state.Registrations.Select(r => r.DeviceId).Order(StringComparer.Ordinal));
        Assert.All(state.Registrations, r => Assert.Equal(string.Empty, r.IngestSystem));
        Assert.Empty(state.Mismatched);
        Assert.Equal(0, state.UnauthenticatedCalls);
        Assert.All(state.Accepted.GroupBy(r => r.DeviceId), device =>
        {
            var sequence = device.Select(r => r.SequenceNumber).Order().ToList();
            Assert.Equal(Enumerable.Range(1, sequence.Count).Select(i => (ulong)i), sequence);
        });
    }

    private static SimulatorOptions Options(string[] args)
    {
        using var host = Build(args);
        return host.Services.GetRequiredService<IOptions<SimulatorOptions>>().Value;
    }

    private static IHost Build(string[] args)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, DisableDefaults = true });
        builder.AddSimulator(args);
        return builder.Build();
    }

    /// <summary>A system sending for the devices behind it (as an HL7 v2 gateway does), here over gRPC; notes each send.</summary>
    private sealed class SystemTransport(IDeviceTransport inner, string system) : IDeviceTransport
    {
        private readonly List<(string Device, int Readings)> _sends = [];

        public IReadOnlyList<(string Device, int Readings)> Sends
        {
            get
            {
                lock (_sends)
                {
                    return [.. _sends];
                }
            }
        }

        public DeviceTransportKind Kind => DeviceTransportKind.Hl7;

        public string? IngestSystem => system;

        public Task<IngestAck> SendAsync(DeviceLogin device, IReadOnlyList<VitalSignReading> readings, CancellationToken cancellationToken)
        {
            lock (_sends)
            {
                _sends.Add((device.DeviceId, readings.Count));
            }
            return inner.SendAsync(device, readings, cancellationToken);
        }

        public ValueTask DisposeAsync() => inner.DisposeAsync();
    }
}
