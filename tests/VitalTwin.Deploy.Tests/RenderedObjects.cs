using k8s.Models;

namespace VitalTwin.Deploy.Tests;

/// <summary>Lookups in the objects Helm rendered (HelmChart), by the chart's component names.</summary>
internal static class RenderedObjects
{
    public static V1Deployment Deployment(IReadOnlyList<object> objects, string component) =>
        Assert.Single(objects.OfType<V1Deployment>(), d => d.Metadata.Name == $"vitaltwin-{component}");

    public static V1Container Container(IReadOnlyList<object> objects, string component) =>
        Assert.Single(Deployment(objects, component).Spec.Template.Spec.Containers);

    /// <summary>
    /// The container's environment as Kubernetes makes it: ConfigMaps in order, then env, a later entry replacing an
    /// earlier one of the same name; a variable from a Secret reads as its reference.
    /// </summary>
    public static Dictionary<string, string> Environment(IReadOnlyList<object> objects, string component)
    {
        var container = Container(objects, component);
        var environment = new Dictionary<string, string>();
        foreach (var source in container.EnvFrom)
        {
            var map = Assert.Single(objects.OfType<V1ConfigMap>(), m => m.Metadata.Name == source.ConfigMapRef.Name);
            foreach (var (key, value) in map.Data ?? new Dictionary<string, string>())
            {
                environment[key] = value;
            }
        }

        foreach (var variable in container.Env)
        {
            environment[variable.Name] = variable.Value ?? $"secret {variable.ValueFrom?.SecretKeyRef?.Name}/{variable.ValueFrom?.SecretKeyRef?.Key}";
        }

        return environment;
    }
}
