using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.Extensions.Options;
using VitalTwin.Evaluation.Pipeline;

namespace VitalTwin.Evaluation.Tests;

public sealed class ShippedConfigurationTests
{
    private static string ShippedDirectory => Path.Combine(AppContext.BaseDirectory, "shipped");

    [Fact]
    public void The_services_own_appsettings_are_bound_into_their_options()
    {
        var shipped = ShippedConfiguration.Load();

        using var notification = JsonDocument.Parse(File.ReadAllText(Path.Combine(ShippedDirectory, "Notification.appsettings.json")));
        var policy = notification.RootElement.GetProperty("AlertPolicy");
        Assert.Equal(TimeSpan.Parse(policy.GetProperty("ClearAfter").GetString()!, System.Globalization.CultureInfo.InvariantCulture), shipped.Policy.ClearAfter);
        Assert.Equal(TimeSpan.Parse(policy.GetProperty("SpikeQuietPeriod").GetString()!, System.Globalization.CultureInfo.InvariantCulture), shipped.Policy.SpikeQuietPeriod);

        using var detection = JsonDocument.Parse(File.ReadAllText(Path.Combine(ShippedDirectory, "AnomalyDetection.appsettings.json")));
        var detectors = detection.RootElement.GetProperty("Detection").GetProperty("Detectors");
        Assert.Equal(detectors.GetArrayLength(), shipped.Detection.Detectors!.Count);
        Assert.Equal(detectors[0].GetProperty("Confidence").GetDouble(), shipped.Detection.Detectors[0].Confidence);
        Assert.Equal(TimeSpan.FromSeconds(1), shipped.PolicyTick);
        Assert.True(shipped.StalenessCheckInterval > TimeSpan.Zero);
    }

    [Fact]
    public void A_shipped_value_out_of_range_is_refused_as_the_service_host_would_refuse_it()
    {
        var directory = Directory.CreateTempSubdirectory("vitaltwin-shipped-");
        try
        {
            foreach (var file in Directory.GetFiles(ShippedDirectory))
            {
                File.Copy(file, Path.Combine(directory.FullName, Path.GetFileName(file)));
            }
            var path = Path.Combine(directory.FullName, "Notification.appsettings.json");
            var settings = JsonNode.Parse(File.ReadAllText(path))!;
            settings["AlertPolicy"]!["ClearAfter"] = "2.00:00:00";
            File.WriteAllText(path, settings.ToJsonString());

            var refused = Assert.Throws<OptionsValidationException>(() => ShippedConfiguration.Load(directory.FullName));
            Assert.Contains("ClearAfter", refused.Message, StringComparison.Ordinal);
        }
        finally
        {
            directory.Delete(recursive: true);
        }
    }

    [Theory]
    [InlineData("ClearAfter:15m,1h", "ClearAfter", 2)]
    [InlineData("spikeconfidence:99.99", "SpikeConfidence", 1)]
    [InlineData("DeteriorationThreshold:4,8,16", "DeteriorationThreshold", 3)]
    public void A_sweep_names_a_known_parameter_and_its_values(string text, string parameter, int values)
    {
        var sweep = Sweep.Parse(text);

        Assert.Equal(parameter, sweep.Parameter);
        Assert.Equal(values, sweep.Variants(ShippedConfiguration.Load()).Count);
    }

    [Theory]
    [InlineData("Unknown:1m")]
    [InlineData("ClearAfter")]
    [InlineData("ClearAfter:soon")]
    [InlineData("SpikeConfidence:100")]
    [InlineData("ClearAfter:2d")]
    [InlineData("ClearAfter:")]
    public void A_sweep_that_cannot_run_is_refused_before_the_run(string text) =>
        Assert.Throws<FormatException>(() => Sweep.Parse(text));

    [Fact]
    public void A_confidence_sweep_changes_only_its_own_detectors()
    {
        var shipped = ShippedConfiguration.Load();
        var variant = Sweep.Parse("ChangePointConfidence:99.5").Variants(shipped).Single();

        Assert.NotSame(shipped.Detection, variant.Detection);
        Assert.Same(shipped.Policy, variant.Policy);
        foreach (var (original, swept) in shipped.Detection.Detectors!.Zip(variant.Detection.Detectors!))
        {
            var changePoint = original.Type is AnomalyDetection.Core.DetectorType.IidChangePoint or AnomalyDetection.Core.DetectorType.SsaChangePoint;
            Assert.Equal(changePoint ? 99.5 : original.Confidence, swept.Confidence);
            Assert.Equal(original.WindowSize, swept.WindowSize);
        }
    }
}
