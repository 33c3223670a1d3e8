using Kiln.Model;

namespace Kiln.Tests.Definitions;

public sealed class InspectTests : IDisposable
{
    private readonly DefinitionFixture _fixture = new();

    public void Dispose() => _fixture.Dispose();

    [Fact]
    public void The_plan_lists_steps_settings_and_temporary_resources_per_source_in_build_order()
    {
        _fixture.Write("base.kiln.yaml", "name: base\nsources:\n  local: { type: qemu, base: { bootstrap: { suite: bookworm } } }\n");
        _fixture.Write("web.kiln.yaml", """
            name: web
            description: nginx appliance
            depends_on: [base]
            variables:
              region: { default: eu-west-1 }
            sources:
              local: { type: qemu, base: { image: "{{ image.base.artifact.qcow2 }}" }, formats: [qcow2, ova], ssh_timeout: 90s, disk_size: 20G }
              aws: { type: amazon-ebs, region: "{{ var.region }}", ami_name: "web-{{ build.run_id }}" }
            provision:
              - shell: { inline: [ls] }
              - file: { source: a, destination: /b, only: [aws] }
            publish:
              - [compress: {}, checksum: {}]
            """);

        var plan = _fixture.Load().Inspect("web");

        Assert.Equal(["base", "web"], plan.Images.Select(i => i.Name));
        var local = plan.Images[1].Sources.Single(s => s.Name == "local");
        Assert.Equal(
            [("create disk", Stage.Boot), ("boot vm", Stage.Boot), ("provision shell", Stage.Provision), ("convert to qcow2", Stage.Capture), ("convert to ova", Stage.Capture)],
            local.Steps.Select(s => (s.Name, s.Stage)));
        Assert.Equal(["qemu process", "work disk (20G)"], local.TemporaryResources);
        Assert.Contains(KeyValuePair.Create("base.image", "<image.base.artifact.qcow2>"), local.Settings);
        Assert.Contains(KeyValuePair.Create("ssh_timeout", "1m30s"), local.Settings);
        Assert.Contains(KeyValuePair.Create("formats", "[qcow2, ova]"), local.Settings);

        var text = plan.Render();
        Assert.Contains("image web: nginx appliance", text, StringComparison.Ordinal);
        Assert.Contains("  depends on: base", text, StringComparison.Ordinal);
        Assert.Contains("    region = eu-west-1", text, StringComparison.Ordinal);
        Assert.Contains("  source aws (amazon-ebs)", text, StringComparison.Ordinal);
        Assert.Contains("    ami_name: web-<build.run_id>", text, StringComparison.Ordinal);
        Assert.Contains("    boot: launch instance", text, StringComparison.Ordinal);
        Assert.Contains("    provision: shell, file", text, StringComparison.Ordinal);
        Assert.Contains("    publish: compress | checksum", text, StringComparison.Ordinal);
        Assert.Contains("    temporary resources: ec2 instance in eu-west-1, key pair", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_type_key_in_a_provisioner_is_unknown_rather_than_ignored()
    {
        _fixture.Write("web.kiln.yaml", "name: web\nsources:\n  local: { type: qemu, base: { image: x } }\nprovision:\n  - shell: { type: x, inline: [ls] }\n");

        DiagnosticAssert.Single(_fixture.Problems(), "unknown key 'type' in provisioner 'shell'", 5, 14);
    }
}
