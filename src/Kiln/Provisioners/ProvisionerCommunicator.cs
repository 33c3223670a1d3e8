using Kiln.Diagnostics;
using Kiln.Engine;

namespace Kiln.Provisioners;

internal static class ProvisionerCommunicator
{
    public static ICommunicator Require(BuildState state, string provisioner) =>
        state.Communicator ?? throw new KilnException(
            $"{provisioner}: the build has no connection to the machine.",
            $"The '{state.Context.Source.Type}' builder did not connect before the provision stage; this is a bug in that builder.");

    public static ConnectionInfo RequireSsh(BuildState state, string provisioner) =>
        Require(state, provisioner).Connection ?? throw new KilnException(
            $"{provisioner}: the '{state.Context.Source.Type}' builder's machine cannot be reached over SSH.",
            $"{provisioner} needs an SSH connection; use the shell and file provisioners with this builder.");
}
