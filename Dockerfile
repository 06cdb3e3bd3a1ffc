# One build, two images: `--target consumer` (the routed mail worker) and `--target producer` (the CLI).
FROM mcr.microsoft.com/dotnet/sdk:10.0.100 AS build
WORKDIR /source
# Restore in its own layer, from the project files only, so code changes do not re-download packages.
COPY global.json Directory.Build.props Directory.Packages.props .editorconfig ./
COPY src/Alerts.Contracts/Alerts.Contracts.csproj src/Alerts.Contracts/
COPY src/Alerts.Producer/Alerts.Producer.csproj src/Alerts.Producer/
COPY src/Alerts.Consumer/Alerts.Consumer.csproj src/Alerts.Consumer/
RUN dotnet restore src/Alerts.Consumer/Alerts.Consumer.csproj \
 && dotnet restore src/Alerts.Producer/Alerts.Producer.csproj
COPY src/ src/
RUN dotnet publish src/Alerts.Consumer/Alerts.Consumer.csproj -c Release --no-restore -o /app/consumer \
 && dotnet publish src/Alerts.Producer/Alerts.Producer.csproj -c Release --no-restore -o /app/producer

FROM mcr.microsoft.com/dotnet/runtime:10.0.0 AS consumer
WORKDIR /app
COPY --from=build /app/consumer .
USER $APP_UID
ENTRYPOINT ["dotnet", "Alerts.Consumer.dll"]

FROM mcr.microsoft.com/dotnet/runtime:10.0.0 AS producer
WORKDIR /app
COPY --from=build /app/producer .
USER $APP_UID
ENTRYPOINT ["dotnet", "Alerts.Producer.dll"]
