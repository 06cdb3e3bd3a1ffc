# One build, two images: `--target consumer` (the routed mail worker) and `--target producer` (the CLI).
# Both run on Ubuntu "chiseled" .NET images: no shell, no package manager, a non-root user, nothing else.
# The base images are arguments only so that a machine without a registry can build this same file on local
# stand-ins (scripts/containers.sh); leave them at their defaults.
ARG SDK_IMAGE=mcr.microsoft.com/dotnet/sdk:10.0-noble
ARG ASPNET_IMAGE=mcr.microsoft.com/dotnet/aspnet:10.0-noble-chiseled

FROM ${SDK_IMAGE} AS build
WORKDIR /source
# Restore in its own layer, from the project files only, so code changes do not re-download packages.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Alerts.Contracts/Alerts.Contracts.csproj src/Alerts.Contracts/
COPY src/Alerts.ServiceDefaults/Alerts.ServiceDefaults.csproj src/Alerts.ServiceDefaults/
COPY src/Alerts.Producer/Alerts.Producer.csproj src/Alerts.Producer/
COPY src/Alerts.Consumer/Alerts.Consumer.csproj src/Alerts.Consumer/
RUN dotnet restore src/Alerts.Consumer/Alerts.Consumer.csproj && dotnet restore src/Alerts.Producer/Alerts.Producer.csproj
COPY src/ src/
RUN dotnet publish src/Alerts.Consumer/Alerts.Consumer.csproj -c Release --no-restore -p:UseAppHost=false -o /app/consumer
RUN dotnet publish src/Alerts.Producer/Alerts.Producer.csproj -c Release --no-restore -p:UseAppHost=false -o /app/producer

# DOTNET_GCgen0size: the runtime sizes its youngest heap generation from the CPU's L3 cache, and virtual machines
# often report hundreds of MB of it; 16 MiB is what a common 32 MB L3 gives, and keeps a draining consumer near 135 MB.
# The consumer serves /health/live, /health/ready and /metrics on 8080; `health` is its Docker health check.
FROM ${ASPNET_IMAGE} AS consumer
WORKDIR /app
COPY --from=build /app/consumer .
ENV URLS=http://+:8080 ASPNETCORE_HTTP_PORTS= DOTNET_GCgen0size=0x1000000
EXPOSE 8080
USER $APP_UID
HEALTHCHECK --interval=10s --timeout=5s --start-period=30s --retries=3 CMD ["dotnet", "Alerts.Consumer.dll", "health"]
ENTRYPOINT ["dotnet", "Alerts.Consumer.dll"]

# ASP.NET Core's runtime: the shared service defaults (health, metrics) are built on it, and so is the HTTP front door.
FROM ${ASPNET_IMAGE} AS producer
WORKDIR /app
COPY --from=build /app/producer .
ENV DOTNET_GCgen0size=0x1000000
USER $APP_UID
ENTRYPOINT ["dotnet", "Alerts.Producer.dll"]
