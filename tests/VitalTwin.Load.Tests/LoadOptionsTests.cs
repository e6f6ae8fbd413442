using System.ComponentModel.DataAnnotations;
using VitalTwin.DeviceTransports;

namespace VitalTwin.Load.Tests;

public sealed class LoadOptionsTests
{
    [Fact]
    public void Streams_patients_and_deteriorations_follow_the_rate()
    {
        var options = LoadOptions.Parse(["--rate=100000", "--duration", "30"]).Resolve();

        Assert.Equal(100_000, options.Rate);
        Assert.Equal(30, options.Duration);
        Assert.Equal(40, options.Streams);
        // Monitors tick once a second, five readings a tick, up to 2,000 patients; then they tick faster.
        Assert.Equal(2_000, options.Patients);
        Assert.Equal(200, options.Deteriorating);
        Assert.Equal(6, options.Partitions);
    }

    [Fact]
    public void At_ten_thousand_readings_a_second_two_thousand_monitors_tick_once_a_second()
    {
        var options = LoadOptions.Parse(["--rate", "10000"]).Resolve();

        Assert.Equal(4, options.Streams);
        Assert.Equal(2_000, options.Patients);
        Assert.Equal(60, options.Duration);
    }

    [Fact]
    public void A_low_rate_still_gives_every_stream_whole_batches_of_distinct_patients()
    {
        var options = LoadOptions.Parse(["--rate=100", "--batch-size=50"]).Resolve();

        Assert.Equal(2, options.Streams);
        Assert.Equal(20, options.Patients);
        Assert.Equal(2, options.Deteriorating);
    }

    [Fact]
    public void Replicas_default_to_one_and_may_go_up_to_the_partition_count()
    {
        Assert.Equal(1, LoadOptions.Parse([]).Resolve().Replicas);
        Assert.Equal(3, LoadOptions.Parse(["--replicas=3", "--partitions=3"]).Resolve().Replicas);
    }

    [Theory]
    [InlineData("--replicas=7", "--replicas cannot exceed --partitions")]
    [InlineData("--replicas=0", "Replicas")]
    [InlineData("--batch-size=12", "multiple of 5")]
    [InlineData("--rate=0", "Rate")]
    [InlineData("--twin-sample=5000", "TwinSample")]
    public void Invalid_settings_are_refused_with_the_reason(string argument, string reason)
    {
        var error = Assert.Throws<ValidationException>(() => LoadOptions.Parse([argument]).Resolve());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Unknown_options_and_malformed_numbers_are_refused()
    {
        Assert.Contains("Unknown option --speed", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--speed=3"])).Message, StringComparison.Ordinal);
        Assert.Contains("whole number", Assert.Throws<ArgumentException>(() => LoadOptions.Parse(["--rate=fast"])).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Without_transports_the_run_drives_grpc_alone()
    {
        var options = LoadOptions.Parse([]).Resolve();

        Assert.Equal([DeviceTransportKind.Grpc], options.Transports);
        Assert.Equal(DeviceTransportKind.Grpc, options.Transport);
    }

    [Fact]
    public void Transports_are_run_in_the_order_given_each_with_the_same_settings()
    {
        var options = LoadOptions.Parse(["--transports=fhir, GRPC,mqtt", "--rate=2000", "--patients=300"]).Resolve();

        Assert.Equal([DeviceTransportKind.Fhir, DeviceTransportKind.Grpc, DeviceTransportKind.Mqtt], options.Transports);
        Assert.Equal(DeviceTransportKind.Fhir, options.Transport);
        var mqtt = options.ForPath(DeviceTransportKind.Mqtt);
        Assert.Equal((DeviceTransportKind.Mqtt, 2_000, 300, options.Streams), (mqtt.Transport, mqtt.Rate, mqtt.Patients, mqtt.Streams));
        Assert.Equal(DeviceTransportKind.Fhir, options.Transport);
    }

    [Theory]
    [InlineData("--transports names grpc twice", "--transports=grpc,mqtt,grpc")]
    public void Transports_the_benchmark_cannot_drive_or_names_twice_are_refused_with_the_reason(string reason, params string[] args)
    {
        var error = Assert.Throws<ValidationException>(() => LoadOptions.Parse(args).Resolve());

        Assert.Contains(reason, error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--transports=smtp", "not 'smtp'")]
    [InlineData("--transports=grpc,", "not ''")]
    public void A_transport_that_is_no_door_is_refused_naming_the_doors(string argument, string problem)
    {
        var error = Assert.Throws<ArgumentException>(() => LoadOptions.Parse([argument]));

        Assert.Contains("--transports takes grpc, mqtt, fhir, hl7, separated by commas, " + problem, error.Message, StringComparison.Ordinal);
    }
}
