plugins {
    id("org.springframework.boot") version "2.7.18"
    kotlin("jvm") version "1.9.20"
}

dependencies {
    implementation("io.lettuce:lettuce-core:6.3.0.RELEASE")
}
